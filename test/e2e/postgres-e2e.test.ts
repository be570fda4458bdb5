import { access, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { postPush, readLog, runIdsFromPush, waitForRun, postWithToken } from "../support/runs-api.ts";
import { startPostgres } from "../support/postgres.ts";
import { quire, tempHome, type ServerProcess } from "../support/quire-process.ts";
import { startRunner, type RunnerProcess } from "../support/runner-process.ts";
import { serveRepo, type ServedRepo } from "../support/served-repo.ts";
import { usePostgres } from "../support/pg-suite.ts";

const pg = usePostgres();
const cleanup: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
});

const storeConfig = (url: string) => `store: { kind: postgres, url: "${url}" }\nrun_timeout_minutes: 2\n`;

async function served(config: string, args: string[] = []): Promise<ServedRepo> {
  const served = await serveRepo({ config, ...(args.length ? { serveArgs: args } : {}) });
  cleanup.push(() => served.server.stop(), () => rm(served.home, { recursive: true, force: true }), () => rm(dirname(served.clone.dir), { recursive: true, force: true }));
  return served;
}

async function push(repo: ServedRepo, pipeline: string): Promise<string> {
  await repo.clone.commit({ ".quire/ci.ts": pipeline });
  const [id] = runIdsFromPush(await repo.clone.push(["origin", "HEAD:refs/heads/main", "--force"]));
  if (!id) throw new Error("push created no run");
  return id;
}

async function events(server: ServerProcess, id: string): Promise<string> {
  const response = await server.request(`/runs/${id}/events`);
  return response.text();
}

describe("quire on PostgreSQL", () => {
  it("serves all-in-one: a push runs, and state, logs, receipts and live events come from the database", async () => {
    const repo = await served(storeConfig(await pg.server().database("e2e")));
    const id = await push(
      repo,
      `import { job } from "quire/ci";
job("test", ["quire/push"], async ({ sh }) => { await sh("echo hello from postgres; echo second line"); return { ok: 1 }; });
`,
    );
    const run = await waitForRun(repo.server, id);
    expect(run).toMatchObject({ status: "complete", outcome: "succeeded", number: 1 });
    expect(await readLog(repo.server, id, "test")).toMatch(/stdout F hello from postgres\n.* stdout F second line\n$/);
    const shown = (await (await repo.server.request("/runs/demo.git%231")).json()) as { jobs: { id: string; receipt: { outputs?: unknown } }[] };
    expect(shown.jobs).toEqual([expect.objectContaining({ id: "test", receipt: expect.objectContaining({ outputs: { ok: 1 } }) })]);
    const sse = await events(repo.server, "demo.git@main");
    expect(sse).toContain("hello from postgres");
    expect(sse).toMatch(/event: end\ndata: \{"status":"complete","outcome":"succeeded"\}/);
    const listed = (await (await repo.server.request("/runs?repo=demo.git")).json()) as { runs: { run_id: string }[] };
    expect(listed.runs.map((r) => r.run_id)).toEqual([id]);
    // Nothing of the run lives on the server's disk.
    await expect(access(join(repo.home, "runs", "demo.git"))).rejects.toThrow();
  });

  it("live-tails a log while the job still runs", async () => {
    const repo = await served(storeConfig(await pg.server().database("e2e")));
    const id = await push(repo, `import { job } from "quire/ci";\njob("test", ["quire/push"], async ({ sh }) => { await sh("echo first; sleep 4; echo second"); });\n`);
    const response = await repo.server.request(`/runs/${id}/events`);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    while (!seen.includes("first")) {
      const { done, value } = await reader.read();
      if (done) break;
      seen += value;
    }
    // The first line arrived while the command was still sleeping: the run is not over.
    expect(seen).toContain("first");
    expect(seen).not.toContain("second");
    expect((await waitForRun(repo.server, id, () => true)).status).toBe("active");
    while (!seen.includes("event: end")) {
      const { done, value } = await reader.read();
      if (done) break;
      seen += value;
    }
    expect(seen).toMatch(/second[\s\S]*event: end/);
  });

  it("serves with --no-runner while a runner on another home fetches the commit from clone_url and runs it", async () => {
    const url = await pg.server().database("e2e");
    const repo = await served(storeConfig(url), ["--no-runner"]);
    const pushed = await push(repo, `import { job } from "quire/ci";\njob("test", ["quire/push"], async ({ sh }) => { await sh("cat marker.txt"); });\n`);
    // Without a runner the run waits.
    expect((await waitForRun(repo.server, pushed, (r) => r.status === "pending")).status).toBe("pending");
    await repo.clone.commit({ "marker.txt": "fetched, not read from the server's disk\n" });
    const second = await push(repo, `import { job } from "quire/ci";\njob("test", ["quire/push"], async ({ sh }) => { await sh("cat marker.txt"); });\n`);
    expect(await waitForRun(repo.server, pushed)).toMatchObject({ status: "failed", outcome: "superseded" });
    const runnerHome = await tempHome("quire-runner-");
    cleanup.push(() => rm(runnerHome, { recursive: true, force: true }));
    await writeFile(join(runnerHome, "config.yml"), `${storeConfig(url)}source: { clone_url: "file://${repo.home}/repos/{repo}" }\n`);
    const runner = await startRunner(runnerHome);
    cleanup.push(() => runner.stop());
    const run = await waitForRun(repo.server, second);
    expect(run).toMatchObject({ status: "complete", outcome: "succeeded", number: 2 });
    expect(await readLog(repo.server, second, "test")).toMatch(/stdout F fetched, not read from the server's disk$/m);
    await access(join(runnerHome, "cache", "demo.git"));
  });

  it("cancel and supersede reach the runner that holds the run, which stops it within seconds", async () => {
    const url = await pg.server().database("e2e");
    const repo = await served(storeConfig(url), ["--no-runner"]);
    const runnerHome = await tempHome("quire-runner-");
    cleanup.push(() => rm(runnerHome, { recursive: true, force: true }));
    await writeFile(join(runnerHome, "config.yml"), storeConfig(url));
    const runner: RunnerProcess = await startRunner(runnerHome, ["--concurrency", "2"]);
    cleanup.push(() => runner.stop());
    // The runner reads sources from its own home's bare repos: give it the same repo.
    await quire(["repo", "new", "demo.git", "--home", runnerHome]);
    const sha = await repo.clone.commit({ ".quire/ci.ts": `import { job } from "quire/ci";\njob("wait", ["quire/push"], async ({ sh }) => { await sh("echo started; sleep 60"); });\n` });
    await repo.clone.push([join(runnerHome, "repos", "demo.git"), "HEAD:refs/heads/other", "--force"]);
    const [id] = runIdsFromPush(await repo.clone.push(["origin", "HEAD:refs/heads/other", "--force"]));
    if (!id) throw new Error("push created no run");
    await waitForRun(repo.server, id, (r) => r.status === "active");
    const cancel = await postWithToken(repo.server, `/runs/${id}/cancel`);
    expect(cancel.status).toBe(202);
    // The command sleeps for a minute: ending well before that means the runner stopped it.
    const cancelled = await waitForRun(repo.server, id, undefined, 15_000);
    expect(cancelled).toMatchObject({ status: "failed", outcome: "cancelled" });

    const first = (await (await postPush(repo.server, "demo.git", "refs/heads/other", sha)).json()) as { runs: { run_id: string }[] };
    const firstId = first.runs[0]?.run_id as string;
    await waitForRun(repo.server, firstId, (r) => r.status === "active");
    await postPush(repo.server, "demo.git", "refs/heads/other", sha);
    expect(await waitForRun(repo.server, firstId, undefined, 15_000)).toMatchObject({ status: "failed", outcome: "superseded" });
  });

  it("answers intake with 503 while the database is down, and the server keeps running", async () => {
    const own = await startPostgres();
    cleanup.push(() => own.stop());
    const repo = await served(storeConfig(await own.database("down")));
    const sha = await repo.clone.commit({ ".quire/ci.ts": `import { job } from "quire/ci";\njob("t", ["quire/push"], async () => {});\n` });
    await repo.clone.push(["origin", "HEAD:refs/heads/main", "--force"]);
    await own.stop();
    const response = await postPush(repo.server, "demo.git", "refs/heads/main", sha);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: { code: "store_unavailable", message: expect.stringContaining("unavailable") } });
    expect((await repo.server.request("/health")).status).toBe(200);
  });
});
