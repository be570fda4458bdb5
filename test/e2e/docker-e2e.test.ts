import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { imageTag } from "../../core/names/image-tag.ts";
import { BASE, containersOf, docker, requireEngine } from "../support/docker-fixtures.ts";
import { WorkClone } from "../support/git.ts";
import { startServer, type ServerProcess } from "../support/quire-process.ts";
import { postWithToken, readLog, runIdsFromPush, waitForRun } from "../support/runs-api.ts";
import { serveRepo } from "../support/served-repo.ts";

const REPO = "docker-e2e.git";
const servers: ServerProcess[] = [];
const runIds: string[] = [];

beforeAll(requireEngine);

afterEach(async () => {
  for (const server of servers.splice(0)) await server.kill();
  for (const id of runIds) {
    const left = await containersOf(id);
    if (left.length > 0) await docker(["rm", "-f", ...left]);
  }
});

afterAll(async () => {
  const tags = runIds.map((id) => imageTag(REPO, id));
  await docker(["image", "rm", ...tags]).catch(() => undefined);
});

async function setup() {
  const served = await serveRepo({
    repo: REPO,
    config: `executor: docker\ndocker:\n  image: ${BASE}\n  memory_mb: 256\nrun_timeout_minutes: 1\n`,
  });
  servers.push(served.server);
  return served;
}

async function push(clone: WorkClone, files: Record<string, string>): Promise<string> {
  await clone.commit(files, "pipeline");
  const [id] = runIdsFromPush(await clone.push(["origin", "HEAD:refs/heads/main", "--force"]));
  if (!id) throw new Error("push created no run");
  runIds.push(id);
  return id;
}

async function containerFacts(home: string, state: string, id: string): Promise<Record<string, string>> {
  return parse(await readFile(join(home, "runs", REPO, state, id, "container.yml"), "utf8")) as Record<string, string>;
}

const SLEEPER = `import { job } from "quire/ci";
job("wait", ["quire/push"], async ({ sh }) => { await sh("echo sleeping; sleep 300"); });
`;

async function untilSleeping(server: ServerProcess, id: string): Promise<void> {
  await waitForRun(server, id, (run) => run.status === "active");
  for (let i = 0; i < 300; i++) {
    if ((await readLog(server, id, "wait")).includes("sleeping")) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the job never started sleeping");
}

describe("docker runs through real pushes", () => {
  it("builds the commit's Dockerfile, runs the jobs in one container, records container.yml and leaves nothing", async () => {
    const { home, server, clone } = await setup();
    const id = await push(clone, {
      ".quire/Dockerfile": `FROM ${BASE}\nRUN echo baked-in > /baked\n`,
      ".quire/ci.ts": `import { job } from "quire/ci";
job("build", ["quire/push"], async ({ sh }) => { await sh("cat /baked; hostname > host.txt; echo made > made.txt"); return {}; });
job("check", ["build"], async ({ sh }) => { await sh("cat made.txt; test \\"$(hostname)\\" = \\"$(cat host.txt)\\" && echo same-container"); return {}; });
`,
    });
    expect(await waitForRun(server, id)).toMatchObject({ status: "complete", outcome: "succeeded" });
    expect(await readLog(server, id, "build")).toMatch(/stdout F baked-in$/m);
    const check = await readLog(server, id, "check");
    expect(check).toMatch(/stdout F made$/m);
    expect(check).toMatch(/stdout F same-container$/m);
    const facts = await containerFacts(home, "complete", id);
    expect(facts.image_tag).toBe(imageTag(REPO, id));
    const times = ["build_started_at", "build_finished_at", "container_started_at", "container_stopped_at"].map((k) => facts[k] ?? "");
    expect(times.every((t) => /^\d{4}-\d\d-\d\dT/.test(t))).toBe(true);
    expect([...times].sort()).toEqual(times);
    expect(facts.container_id).toMatch(/^[0-9a-f]{64}$/);
    expect(await containersOf(id)).toEqual([]);
  });

  it("a Dockerfile that does not build errors the run with docker's message", async () => {
    const { server, clone } = await setup();
    const id = await push(clone, {
      ".quire/Dockerfile": `FROM ${BASE}\nRUN echo nope && exit 9\n`,
      ".quire/ci.ts": `import { job } from "quire/ci";\njob("a", ["quire/push"], async ({ sh }) => { await sh("true"); return {}; });\n`,
    });
    const run = await waitForRun(server, id);
    expect(run).toMatchObject({ status: "failed", outcome: "errored" });
    expect(run.error).toMatch(/image build failed/);
    expect(run.error).toMatch(/returned a non-zero code: 9/);
    expect(await containersOf(id)).toEqual([]);
  });

  it("cancel stops the job inside the container and removes the container", async () => {
    const { home, server, clone } = await setup();
    const id = await push(clone, { ".quire/ci.ts": SLEEPER });
    await untilSleeping(server, id);
    expect(await containersOf(id)).toHaveLength(1);
    const cancelled = performance.now();
    expect((await postWithToken(server, `/runs/${id}/cancel`)).status).toBe(202);
    expect(await waitForRun(server, id)).toMatchObject({ status: "failed", outcome: "cancelled" });
    expect(performance.now() - cancelled).toBeLessThan(3_000);
    expect(await containersOf(id)).toEqual([]);
    expect((await containerFacts(home, "failed", id)).image_tag).toBe(BASE);
  });

  it("a server killed mid-run leaves a container that the restarted server's reconcile removes", async () => {
    const { home, server, clone } = await setup();
    const id = await push(clone, { ".quire/ci.ts": SLEEPER });
    await untilSleeping(server, id);
    await server.kill();
    expect(await containersOf(id)).toHaveLength(1);
    const restarted = await startServer(home);
    servers.push(restarted);
    expect(await waitForRun(restarted, id)).toMatchObject({ status: "failed", outcome: "orphaned" });
    await expect.poll(() => containersOf(id), { timeout: 10_000, interval: 100 }).toEqual([]);
  });
});
