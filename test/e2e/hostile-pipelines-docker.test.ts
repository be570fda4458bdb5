/**
 * Issue 8's docker items through real pushes to a real server with the docker executor:
 * the job's environment never reaches a host process (2, 8), offline reconcile removes the
 * containers and workspaces a crash left (12), and one home never reaches into another's
 * containers or images (13).
 */
import { readdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imageTag } from "../../core/names/image-tag.ts";
import { BASE, containersOf, docker, requireEngine } from "../support/docker-fixtures.ts";
import type { WorkClone } from "../support/git.ts";
import { apiTexts, filesContaining, hostProcessesWith, pushRun } from "../support/hostile.ts";
import { quire, tempHome, type ServerProcess } from "../support/quire-process.ts";
import { readLog, waitForRun } from "../support/runs-api.ts";
import { serveRepo } from "../support/served-repo.ts";
import { tempDir } from "../support/temp-dir.ts";

const REPO = "hostile-docker.git";
const SECRET = `d0cker-secret-${Math.random().toString(36).slice(2)}`;
const MARK = `quire-mark-${Math.random().toString(36).slice(2)}`;
let secretDir: string;
let home: string;
let otherHome: string;
let server: ServerProcess;
let clone: WorkClone;
const runIds: string[] = [];

beforeAll(async () => {
  await requireEngine();
  secretDir = await tempDir("quire-hostile-secret-");
  await writeFile(join(secretDir, "token"), SECRET);
  ({ home, server, clone } = await serveRepo({
    repo: REPO,
    config: `executor: docker\ndocker:\n  image: ${BASE}\nsecrets:\n  token: { file: ${join(secretDir, "token")} }\nrun_timeout_minutes: 2\n`,
  }));
  otherHome = await tempHome("quire-hostile-other-");
  await writeFile(join(otherHome, "config.yml"), `executor: docker\ndocker:\n  image: ${BASE}\n`);
});

afterAll(async () => {
  await server?.stop();
  for (const id of runIds) {
    const left = await containersOf(id);
    if (left.length > 0) await docker(["rm", "-f", ...left]);
    await docker(["image", "rm", imageTag(REPO, id)]).catch(() => undefined);
  }
  for (const dir of [secretDir, home, otherHome, clone ? dirname(clone.dir) : undefined]) {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
});

/** Runs a pipeline, scanning the host's processes while it runs; the hits for `needle`. */
async function runWatching(branch: string, pipeline: string, needle: string): Promise<{ id: string; hits: string[] }> {
  const id = await pushRun(clone, branch, pipeline);
  runIds.push(id);
  const hits = new Set<string>();
  for (;;) {
    for (const hit of await hostProcessesWith(needle)) hits.add(hit);
    const run = (await (await server.request(`/runs/${id}`)).json()) as { status: string };
    if (run.status === "complete" || run.status === "failed") break;
  }
  return { id, hits: [...hits] };
}

async function noEffect(id: string): Promise<void> {
  expect(await filesContaining(home, SECRET)).toEqual([]);
  expect(await apiTexts(server, id)).not.toContain(SECRET);
  expect((await server.request("/health")).status).toBe(200);
  expect(await containersOf(id)).toEqual([]);
}

describe("hostile pipelines (docker executor)", () => {
  it("2: a job's HOME, PATH and DOCKER_* reach its command in the container, never a process on the host", async () => {
    const { id, hits } = await runWatching(
      "env",
      `import { job } from "quire/ci";
job("steer", ["quire/push"], async ({ sh }) => {
  const env = { HOME: "/work", PATH: "/work/bin:/bin", DOCKER_CONFIG: "/work/.docker", DOCKER_HOST: "tcp://127.0.0.1:1", MARK: "${MARK}" };
  await sh(["sh", "-c", 'echo "inside: $MARK $HOME"; sleep 2'], { env });
});
`,
      MARK,
    );
    expect((await waitForRun(server, id)).outcome).toBe("succeeded");
    expect(await readLog(server, id, "steer")).toContain(`inside: ${MARK} /work`);
    expect(hits).toEqual([]);
    await noEffect(id);
  });

  it("8: a secret in a DOCKER_* variable is never in any host process's argv or environment", async () => {
    const { id, hits } = await runWatching(
      "docker-password",
      `import { job } from "quire/ci";
job("login", ["quire/push"], async ({ sh, secret }) => {
  await sh(["sh", "-c", 'test -n "$DOCKER_PASSWORD" && echo "got $DOCKER_PASSWORD"; sleep 2'], { env: { DOCKER_PASSWORD: await secret("token") } });
});
`,
      SECRET,
    );
    expect((await waitForRun(server, id)).outcome).toBe("succeeded");
    expect(await readLog(server, id, "login")).toContain("got {{ token }}");
    expect(hits).toEqual([]);
    await noEffect(id);
  });

  it("12, 13: offline reconcile of another home touches nothing here; this home's removes the crash's container and workspace", async () => {
    // Its own image, built and labelled with this home's scope.
    const id = await pushRun(clone, "crash", `import { job } from "quire/ci";\njob("s", ["quire/push"], async ({ sh }) => { await sh("sleep 60"); });\n`, {
      ".quire/Dockerfile": `FROM ${BASE}\n`,
    });
    runIds.push(id);
    await waitForRun(server, id, (run) => run.last_job === "s");
    const [container] = await containersOf(id);
    expect(container).toBeDefined();

    // Another home on the same engine: its reconcile and gc never see this home's container or image.
    const other = await quire(["reconcile", "--home", otherHome]);
    expect(other.exitCode, other.stderr).toBe(0);
    expect(JSON.parse(other.stdout)).toMatchObject({ containersRemoved: [], workspacesRemoved: [] });
    expect(await containersOf(id)).toEqual([container]);
    const otherGc = await quire(["gc", "--home", otherHome, "--dry-run", "--keep", "0", "--days", "0"]);
    expect(otherGc.exitCode, otherGc.stderr).toBe(0);
    expect(otherGc.stdout).not.toContain(imageTag(REPO, id));

    await server.kill();
    const offline = await quire(["reconcile", "--home", home]);
    expect(offline.exitCode, offline.stderr).toBe(0);
    const report = JSON.parse(offline.stdout) as { orphaned: string[]; containersRemoved: string[]; workspacesRemoved: string[] };
    expect(report.orphaned).toContain(id);
    expect(report.containersRemoved.some((full) => full.startsWith(container ?? "?"))).toBe(true);
    expect(report.workspacesRemoved).toContain(id);
    expect(await containersOf(id)).toEqual([]);
    expect(await readdir(join(home, "workspaces"))).not.toContain(id);
    expect(await filesContaining(home, SECRET)).toEqual([]);
    const ownGc = await quire(["gc", "--home", home, "--dry-run", "--keep", "0", "--days", "0"]);
    expect(ownGc.stdout).toContain(imageTag(REPO, id));
  });
});
