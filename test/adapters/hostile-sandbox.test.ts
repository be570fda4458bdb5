/**
 * Issue 8, the pipeline child's bubblewrap sandbox, through real pushes to a real server:
 * pipeline code (not its commands) attacks the host, the server and other runs, and each
 * case asserts the attack had no effect, not only that it failed. The host executor's run
 * sandbox (commands) is covered by hostile-sandbox-host.test.ts.
 */
import { createHash } from "node:crypto";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { access, chmod, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../support/temp-dir.ts";
import { WorkClone } from "../support/git.ts";
import { apiTexts, filesContaining, pushRun } from "../support/hostile.ts";
import { QUIRE_BIN, quire, tempHome, type ServerProcess } from "../support/quire-process.ts";
import { waitForRun } from "../support/runs-api.ts";
import { serveRepo } from "../support/served-repo.ts";

let home: string;
let server: ServerProcess;
let clone: WorkClone;
let other: WorkClone;
let token: string;

beforeAll(async () => {
  ({ home, server, clone } = await serveRepo({ config: "run_timeout_minutes: 2\n" }));
  token = server.token;
  const made = await quire(["repo", "new", "other.git", "--home", home]);
  if (made.exitCode !== 0) throw new Error(made.stderr);
  other = await WorkClone.of(join(home, "repos", "other.git"));
});

afterAll(async () => {
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
  for (const c of [clone, other]) if (c) await rm(dirname(c.dir), { recursive: true, force: true });
});

interface JobView {
  id: string;
  status: string;
  receipt?: { outputs?: Record<string, unknown> | null };
}

async function outputsOf(runId: string, job: string): Promise<Record<string, unknown>> {
  const run = (await (await server.request(`/runs/${runId}`)).json()) as { jobs: JobView[] };
  return run.jobs.find((j) => j.id === job)?.receipt?.outputs ?? {};
}

/** The server still answers and still runs another repo's pipeline to the end. */
async function serverStillServes(): Promise<void> {
  expect((await server.request("/health")).status).toBe(200);
  const id = await pushRun(other, `after-${Date.now()}`, `import { job } from "quire/ci";\njob("ok", ["quire/push"], async ({ sh }) => { await sh(["true"]); });\n`);
  expect(await waitForRun(server, id)).toMatchObject({ status: "complete", outcome: "succeeded" });
}

/** Every attack also checks that the token never left its file. */
async function tokenStayed(runId: string): Promise<void> {
  expect((await filesContaining(home, token)).map((path) => path.slice(home.length))).toEqual(["/hook.token"]);
  expect(await apiTexts(server, runId)).not.toContain(token);
}

/** A job body whose every attempt is caught and reported as an output, so the run shows what happened. */
const attempt = (name: string, body: string): string => `import { job } from "quire/ci";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
const tryIt = async (what) => { try { return String(await what()); } catch (error) { return "refused: " + (error.code ?? error.message); } };
job(${JSON.stringify(name)}, ["quire/push"], async () => {
${body}
});
`;

describe("pipeline code inside bubblewrap", () => {
  it("1: cannot reach the docker socket to start a container with / mounted", async () => {
    const before = (await execa("docker", ["ps", "-aq", "--no-trunc"])).stdout;
    const marker = `/tmp/quire-owned-${Date.now()}`;
    const id = await pushRun(
      clone,
      "docker-socket",
      attempt(
        "dock",
        `  const answer = await tryIt(() => new Promise((resolve, reject) => {
    const body = JSON.stringify({ Image: "busybox", Cmd: ["sh", "-c", "echo owned > /host${marker}"], HostConfig: { Binds: ["/:/host"] } });
    const req = http.request({ socketPath: "/var/run/docker.sock", path: "/containers/create", method: "POST", headers: { "content-type": "application/json" } }, (res) => resolve("status " + res.statusCode));
    req.on("error", reject);
    req.end(body);
  }));
  const socket = await tryIt(() => fs.statSync("/var/run/docker.sock").mode);
  return { answer, socket };`,
      ),
    );
    const run = await waitForRun(server, id);
    const outputs = await outputsOf(id, "dock");
    expect(outputs.answer).toMatch(/^refused: /);
    expect(outputs.socket).toMatch(/^refused: /);
    expect(run.status).toBe("complete");
    // Other suites make containers of their own meanwhile: none that appeared may mount the host's /.
    const known = new Set(before.split("\n"));
    const appeared = (await execa("docker", ["ps", "-aq", "--no-trunc"])).stdout.split("\n").filter((c) => c && !known.has(c));
    const mounts = appeared.length === 0 ? "" : (await execa("docker", ["inspect", "--format", "{{range .Mounts}}{{.Source}}:{{.Destination}} {{end}}", ...appeared], { reject: false })).stdout;
    expect(mounts).not.toMatch(/(^|\s)\/:\/host\b/);
    await expect(access(marker)).rejects.toThrow();
    await tokenStayed(id);
  });

  it("1: cannot read the hook token or write into the bare repo, even by path", async () => {
    const hook = join(home, "repos", "demo.git", "hooks", "post-receive");
    const hookBefore = createHash("sha256").update(await readFile(hook)).digest("hex");
    const id = await pushRun(
      clone,
      "home-files",
      attempt(
        "home",
        `  const read = await tryIt(() => fs.readFileSync(${JSON.stringify(join(home, "hook.token"))}, "utf8"));
  const write = await tryIt(() => fs.writeFileSync(${JSON.stringify(hook)}, "#!/bin/sh\\necho owned\\n"));
  const root = await tryIt(() => fs.readdirSync("/root").join(","));
  return { read, write, root };`,
      ),
    );
    await waitForRun(server, id);
    const outputs = await outputsOf(id, "home");
    expect(outputs.read).toMatch(/^refused: /);
    expect(outputs.write).toMatch(/^refused: /);
    expect(outputs.root).toMatch(/^refused: /);
    expect(createHash("sha256").update(await readFile(hook)).digest("hex")).toBe(hookBefore);
    await tokenStayed(id);
  });

  it("3: cannot signal the server, by its parent pid or by its real pid", async () => {
    const serverPid = server.child.pid ?? -1;
    const id = await pushRun(
      clone,
      "kill-server",
      attempt(
        "kill",
        `  const byPid = await tryIt(() => process.kill(${serverPid}, "SIGKILL"));
  const everyone = await tryIt(() => process.kill(-1, "SIGKILL"));
  const parent = await tryIt(() => process.kill(process.ppid, "SIGKILL"));
  return { byPid, everyone, parent };`,
      ),
    );
    const run = await waitForRun(server, id);
    // Killing its own sandbox may end the pipeline process: that fails only this run.
    expect(["complete", "failed"]).toContain(run.status);
    expect(server.child.exitCode).toBeNull();
    expect(server.child.signalCode).toBeNull();
    await serverStillServes();
  });

  it("cannot reach the server over the network: the sandbox has a network of its own", async () => {
    const port = new URL(server.url).port;
    const id = await pushRun(
      clone,
      "network",
      attempt(
        "net",
        `  const connect = await tryIt(() => new Promise((resolve, reject) => {
    const socket = net.connect(${port}, "127.0.0.1", () => { socket.end(); resolve("connected"); });
    socket.on("error", reject);
  }));
  return { connect };`,
      ),
    );
    await waitForRun(server, id);
    expect((await outputsOf(id, "net")).connect).toMatch(/^refused: /);
    await tokenStayed(id);
  });

  it("leaves no sandbox behind when the server is SIGKILLed mid-job", async () => {
    const served = await serveRepo({ homePrefix: "quire-sandbox-kill-" });
    try {
      const id = await pushRun(served.clone, "spin", `import { job } from "quire/ci";\njob("spin", ["quire/push"], async () => { for (;;) {} });\n`);
      await waitForRun(served.server, id, (run) => run.status === "active");
      const sandboxes = async (): Promise<string> => (await execa("ps", ["-eo", "args"])).stdout.split("\n").filter((line) => line.includes(served.home)).join("\n");
      const deadline = Date.now() + 10_000;
      while (!(await sandboxes()).includes("bwrap") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(await sandboxes()).toContain("bwrap");
      await served.server.kill();
      const gone = Date.now() + 10_000;
      while ((await sandboxes()) !== "" && Date.now() < gone) await new Promise((r) => setTimeout(r, 100));
      expect(await sandboxes()).toBe("");
    } finally {
      await served.server.kill();
      await rm(served.home, { recursive: true, force: true });
      await rm(dirname(served.clone.dir), { recursive: true, force: true });
    }
  });
});

/** `quire serve` in a mount namespace where /usr/bin/bwrap is a file that cannot run. */
async function serveWithoutBwrap(serveHome: string): Promise<{ code: number | null; stdout: string; stderr: string; child: ReturnType<typeof spawn> }> {
  const fake = join(await tempDir("quire-no-bwrap-"), "bwrap");
  await writeFile(fake, "not a program\n");
  await chmod(fake, 0o644);
  const script = `mount --bind ${fake} /usr/bin/bwrap && exec "$0" "$@"`;
  const child = spawn("unshare", ["-m", "sh", "-c", script, process.execPath, QUIRE_BIN, "serve", "--home", serveHome, "--port", "0"], {
    env: { ...process.env, QUIRE_LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, "exit").then(([code]) => code as number | null);
  const listening = new Promise<void>((resolve) => child.stdout?.on("data", () => /at http/.test(stdout) && resolve()));
  const code = await Promise.race([exited, listening.then(() => null)]);
  await rm(dirname(fake), { recursive: true, force: true });
  return { code, stdout, stderr, child };
}

describe("no sandbox, no run", () => {
  it("quire serve refuses to start without bubblewrap, in one line naming the fix", async () => {
    const bare = await tempHome("quire-no-sandbox-");
    try {
      const { code, stderr, child } = await serveWithoutBwrap(bare);
      if (code === null) child.kill("SIGKILL");
      expect(code).toBe(1);
      expect(stderr.trim().split("\n")).toEqual([expect.stringMatching(/^quire: no sandbox: .*install bubblewrap \(Debian\/Ubuntu: apt-get install bubblewrap\)/)]);
      await expect(access(join(bare, "server.url"))).rejects.toThrow();
    } finally {
      await rm(bare, { recursive: true, force: true });
    }
  });

  it("with sandbox: off it warns at start and records the opt-out in every run's state", async () => {
    const bare = await tempHome("quire-sandbox-off-");
    await writeFile(join(bare, "config.yml"), "sandbox: off\n");
    const { code, stderr, child } = await serveWithoutBwrap(bare);
    try {
      expect(code).toBeNull();
      expect(stderr).toMatch(/quire: warning: sandbox: off in config\.yml: pipelines run without bubblewrap/);
      const made = await quire(["repo", "new", "bare.git", "--home", bare]);
      expect(made.exitCode).toBe(0);
      const work = await WorkClone.of(join(bare, "repos", "bare.git"));
      try {
        const id = await pushRun(work, "main", `import { job } from "quire/ci";\njob("ok", ["quire/push"], async ({ sh }) => { await sh(["true"]); });\n`);
        const url = (await readFile(join(bare, "server.url"), "utf8")).trim();
        const shown = await pollRun(url, id);
        expect(shown).toMatchObject({ status: "complete", sandbox: "off" });
        expect(await readFile(join(bare, "runs", "bare.git", "complete", id, "state.yml"), "utf8")).toMatch(/^sandbox: off$/m);
      } finally {
        await rm(dirname(work.dir), { recursive: true, force: true });
      }
    } finally {
      child.kill("SIGKILL");
      await once(child, "exit").catch(() => undefined);
      await rm(bare, { recursive: true, force: true });
    }
  });
});

async function pollRun(url: string, id: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 45_000;
  let last: Record<string, unknown> = {};
  while (Date.now() < deadline) {
    const response = await fetch(new URL(`runs/${id}`, url.endsWith("/") ? url : `${url}/`));
    if (response.ok) {
      last = (await response.json()) as Record<string, unknown>;
      if (last.status === "complete" || last.status === "failed") return last;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${id} did not finish: ${JSON.stringify(last)}`);
}
