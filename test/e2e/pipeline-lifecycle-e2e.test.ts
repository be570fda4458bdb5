import { readdir, readFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { git, WorkClone } from "../support/git.ts";
import { startServer, type ServerProcess } from "../support/quire-process.ts";
import { postWithToken, readLog, runIdsFromPush, waitForRun } from "../support/runs-api.ts";
import { serveRepo } from "../support/served-repo.ts";
import { until } from "../support/until.ts";

const servers: ServerProcess[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.kill();
});

async function setup(config = "") {
  const served = await serveRepo({ config });
  servers.push(served.server);
  return served;
}

async function push(clone: WorkClone, branch: string, pipeline: string): Promise<string> {
  await git(clone.dir, ["checkout", "--quiet", "-B", branch]);
  await clone.commit({ ".quire/ci.ts": pipeline }, `pipeline on ${branch}`);
  const [id] = runIdsFromPush(await clone.push(["origin", `HEAD:refs/heads/${branch}`, "--force"]));
  if (!id) throw new Error("push created no run");
  return id;
}

/** A sleep whose argument no other process has: jobs run in a pid namespace of their own, so it is found by its command line. */
const NAP = `300.${process.pid}${Date.now() % 100_000}`;
const SLEEPER = `import { job } from "quire/ci";
job("wait", ["quire/push"], async ({ sh }) => { await sh("sleep ${NAP} & echo PID=$!; wait"); });
`;

/** Whether the sleeper is still running anywhere on this machine. */
async function sleeperAlive(): Promise<boolean> {
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (cmdline === `sleep\0${NAP}\0`) return true;
  }
  return false;
}
const QUICK = `import { job } from "quire/ci";
job("quick", ["quire/push"], async ({ sh }) => { await sh("echo quick"); return {}; });
`;

async function sleeperStarted(server: ServerProcess, id: string): Promise<void> {
  await waitForRun(server, id, (run) => run.status === "active");
  for (let i = 0; i < 200; i++) {
    if (/PID=\d+/.test(await readLog(server, id, "wait"))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the job never printed its pid");
}

describe("run lifecycle through real pushes", () => {
  it("a second push to the same branch supersedes the first; other branches run on", async () => {
    const { server, clone } = await setup();
    const first = await push(clone, "main", SLEEPER);
    await sleeperStarted(server, first);
    const second = await push(clone, "main", QUICK);
    expect(await waitForRun(server, first)).toMatchObject({ status: "failed", outcome: "superseded" });
    expect(await waitForRun(server, second)).toMatchObject({ status: "complete", outcome: "succeeded" });
    expect(await sleeperAlive()).toBe(false);
  });

  it("cancelling a running job leaves no process behind", async () => {
    const { server, clone } = await setup();
    const id = await push(clone, "main", SLEEPER);
    await sleeperStarted(server, id);
    expect(await sleeperAlive()).toBe(true);
    const response = await postWithToken(server, `/runs/${id}/cancel`);
    expect(response.status).toBe(202);
    expect(await waitForRun(server, id)).toMatchObject({ status: "failed", outcome: "cancelled" });
    expect(await sleeperAlive()).toBe(false);
    expect((await postWithToken(server, `/runs/${id}/cancel`)).status).toBe(409);
    const retry = await postWithToken(server, `/runs/${id}/retry`);
    expect(retry.status).toBe(202);
  });

  it("SIGKILL mid-job, restart: the run is orphaned, its processes are gone, pending runs execute", async () => {
    const { home, server, clone } = await setup("concurrency: 1\n");
    const running = await push(clone, "main", SLEEPER);
    await sleeperStarted(server, running);
    const queued = await push(clone, "other", QUICK);
    expect(await waitForRun(server, queued, () => true)).toMatchObject({ status: "pending" });
    await server.kill();
    const restarted = await startServer(home);
    servers.push(restarted);
    expect(await waitForRun(restarted, running)).toMatchObject({ status: "failed", outcome: "orphaned" });
    expect(await sleeperAlive()).toBe(false);
    expect(await waitForRun(restarted, queued)).toMatchObject({ status: "complete", outcome: "succeeded" });
  });
});

describe("the spare pipeline child", () => {
  /** Bundle directories under the home's tmp: once runs have ended, only a spare's is left. */
  const bundleDirs = async (home: string) => (await readdir(`${home}/tmp`).catch(() => [])).filter((name) => name.startsWith("quire-pipeline-"));

  it("is booted after a run by default, and never with pipeline.spare: false", async () => {
    const booted = await setup();
    expect(await waitForRun(booted.server, await push(booted.clone, "main", QUICK))).toMatchObject({ outcome: "succeeded" });
    expect(await until("a spare", async () => ((await bundleDirs(booted.home)).length === 1 ? true : undefined), 20_000)).toBe(true);

    const none = await setup("pipeline: { spare: false }\n");
    for (const branch of ["one", "two"]) expect(await waitForRun(none.server, await push(none.clone, branch, QUICK))).toMatchObject({ outcome: "succeeded" });
    // As long again as the default took to boot one, and then some.
    for (let i = 0; i < 30; i++) {
      expect(await bundleDirs(none.home)).toEqual([]);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
});

describe("hostile pipelines fail only their own run", () => {
  const hostile: [string, string, RegExp][] = [
    ["spawns a process", `job("x", ["quire/push"], async () => { const cp = await import("node:child_process"); cp.execSync("id"); return {}; });`, /ERR_ACCESS_DENIED|child/i],
    ["writes outside the workspace", `job("x", ["quire/push"], async () => { const fs = await import("node:fs"); fs.writeFileSync("/tmp/quire-escape-" + Date.now(), "x"); return {}; });`, /ERR_ACCESS_DENIED|permission/i],
    ["loops forever", `job("x", ["quire/push"], async () => { for (;;) {} });`, /wall-clock|timed out|timeout|exceeded/i],
    ["allocates without bound", `job("x", ["quire/push"], async () => { const a = []; for (;;) a.push(new Array(1e6).fill(1)); });`, /memory|heap/i],
    ["throws at import", `throw new Error("boom at import");`, /boom at import/],
  ];

  it.each(hostile)("a pipeline that %s", async (_name, body, message) => {
    const { server, clone } = await setup("run_timeout_minutes: 0.1\npipeline: { memory_mb: 64 }\n");
    const id = await push(clone, "main", `import { job } from "quire/ci";\n${body}\n`);
    const run = await waitForRun(server, id);
    expect(run.status).toBe("failed");
    expect(`${run.error}`).toMatch(message);
    expect((await server.request("/health")).status).toBe(200);
    const next = await push(clone, "after", QUICK);
    expect(await waitForRun(server, next)).toMatchObject({ outcome: "succeeded" });
  });
});
