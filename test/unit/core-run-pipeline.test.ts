import { describe, expect, it } from "vitest";
import { FakeExecutor } from "../../adapters/executor/fake-executor.ts";
import { runPipeline } from "../../core/run/run-pipeline.ts";
import type { RunEvent } from "../../core/pipeline/run-events.ts";
import { skip } from "../../sdk/ci.ts";
import { err } from "../../core/result.ts";
import { fakeRunDeps, job, SHA } from "../support/fake-run-deps.ts";

const never = new AbortController().signal;

describe("runPipeline with in-memory adapters", () => {
  it("runs jobs in order, passes outputs to descendants and completes", async () => {
    const { deps, createRun, files, workspaces, executor } = fakeRunDeps({
      [SHA]: {
        jobs: [
          job("deploy", ["build"], async ({ jobs, sh }) => {
            await sh(["echo", String(jobs("build").artifact)]);
            return { deployed: true };
          }),
          job("build", ["quire/push"], async ({ sh, jobs }) => {
            const push = jobs("quire/push");
            await sh(`echo building ${String(push.branch)}`);
            return { artifact: "app.tar" };
          }),
        ],
      },
    });
    const run = await createRun();
    const done = await runPipeline(run, deps, never);
    expect(done.state).toMatchObject({ status: "complete", outcome: "succeeded", lease: null, last_job: "deploy" });
    expect(await files.readFile(run.meta.repo, run.meta.run_id, "jobs/build/sh-1.log")).toMatch(/ stdout F building main\n$/);
    expect(await files.readFile(run.meta.repo, run.meta.run_id, "jobs/deploy/sh-1.log")).toMatch(/ stdout F app\.tar\n$/);
    const receipt = JSON.parse((await files.readFile(run.meta.repo, run.meta.run_id, "receipt.json")) ?? "{}");
    expect(receipt).toMatchObject({ outcome: "succeeded", sh_calls: 2, exit_codes: [0, 0], evidence_sha: SHA, jobs: { build: "succeeded", deploy: "succeeded" } });
    expect(receipt.devlt.started_at).toBe(done.state.started_at);
    expect(receipt.devlt.finished_at).toBe(receipt.generated_at);
    const jobReceipt = JSON.parse((await files.readFile(run.meta.repo, run.meta.run_id, "jobs/deploy/receipt.json")) ?? "{}");
    expect(jobReceipt).toMatchObject({ state: "succeeded", outputs: { deployed: true }, sh_calls: 1 });
    expect(workspaces.live.size).toBe(0);
    expect(executor.openSessions).toBe(0);
  });

  it("fails a run whose job throws and skips its dependents", async () => {
    const { deps, createRun, files } = fakeRunDeps({
      [SHA]: {
        jobs: [
          job("test", ["quire/push"], async ({ sh }) => void (await sh("exit 3"))),
          job("deploy", ["test"], async () => ({ never: true })),
          job("lint", ["quire/push"], async () => ({ ok: true })),
        ],
      },
    });
    const run = await createRun();
    const done = await runPipeline(run, deps, never);
    expect(done.state).toMatchObject({ status: "failed", outcome: "failed" });
    expect(done.state.error).toMatch(/job "test" failed: sh "exit 3" exited with 3/);
    const receipt = JSON.parse((await files.readFile(run.meta.repo, run.meta.run_id, "receipt.json")) ?? "{}");
    expect(receipt.jobs).toEqual({ test: "failed", deploy: "skipped", lint: "succeeded" });
  });

  it("skips a job that returns skip(reason), with the reason, and its dependents", async () => {
    const { deps, createRun, files } = fakeRunDeps({
      [SHA]: { jobs: [job("maybe", ["quire/push"], async () => skip("not on main")), job("after", ["maybe"], async () => ({}))] },
    });
    const run = await createRun();
    const done = await runPipeline(run, deps, never);
    expect(done.state.outcome).toBe("succeeded");
    const receipt = JSON.parse((await files.readFile(run.meta.repo, run.meta.run_id, "receipt.json")) ?? "{}");
    expect(receipt.jobs).toEqual({ maybe: "skipped", after: "skipped" });
    const maybe = JSON.parse((await files.readFile(run.meta.repo, run.meta.run_id, "jobs/maybe/receipt.json")) ?? "{}");
    expect(maybe).toMatchObject({ state: "skipped", error: "not on main" });
  });

  it("counts a job that returns nothing as succeeded with no outputs, and runs its dependents", async () => {
    const { deps, createRun, files } = fakeRunDeps({
      [SHA]: {
        jobs: [
          job("a", ["quire/push"], async ({ sh }) => void (await sh("echo a"))),
          job("b", ["a"], async ({ jobs }) => ({ saw: jobs("a") })),
        ],
      },
    });
    const run = await createRun();
    const done = await runPipeline(run, deps, never);
    expect(done.state.outcome).toBe("succeeded");
    const receipt = JSON.parse((await files.readFile(run.meta.repo, run.meta.run_id, "receipt.json")) ?? "{}");
    expect(receipt.jobs).toEqual({ a: "succeeded", b: "succeeded" });
    const b = JSON.parse((await files.readFile(run.meta.repo, run.meta.run_id, "jobs/b/receipt.json")) ?? "{}");
    expect(b.outputs).toEqual({ saw: {} });
  });

  it.each([
    ["a pipeline that does not load", { loadError: "SyntaxError: Unexpected token (3:4)" }, /did not load: SyntaxError/],
    [
      "a cycle",
      { jobs: [job("a", ["b", "quire/push"], async () => ({})), job("b", ["a"], async () => ({}))] },
      /invalid:\n- jobs form a cycle: "a" → "b"/,
    ],
  ])("ends %s as errored with the message in state", async (_name, pipeline, message) => {
    const { deps, createRun } = fakeRunDeps({ [SHA]: pipeline });
    const done = await runPipeline(await createRun(), deps, never);
    expect(done.state).toMatchObject({ status: "failed", outcome: "errored" });
    expect(done.state.error).toMatch(message);
  });

  it("redacts secrets from logs, commands, outputs and receipts", async () => {
    const secret = "s3cr3t-value-42";
    const { deps, createRun, files } = fakeRunDeps(
      {
        [SHA]: {
          jobs: [
            job("deploy", ["quire/push"], async ({ sh, secret: get, log }) => {
              const token = await get("token");
              await sh(["echo", token]);
              await log(`using ${token}`);
              return { token };
            }),
          ],
        },
      },
      { token: secret },
    );
    const events: RunEvent[] = [];
    const run = await createRun();
    await runPipeline(run, { ...deps, onEvent: (e) => events.push(e) }, never);
    const all = await Promise.all(
      (await files.listFiles(run.meta.repo, run.meta.run_id)).map((p) => files.readFile(run.meta.repo, run.meta.run_id, p)),
    );
    const text = all.join("\n") + JSON.stringify(events);
    expect(text).not.toContain(secret);
    expect(text).toContain("{{ token }}");
  });

  it("refuses unknown and too-short secrets with a clear message", async () => {
    const { deps, createRun } = fakeRunDeps(
      { [SHA]: { jobs: [job("a", ["quire/push"], async ({ secret }) => ({ v: await secret("short") }))] } },
      { short: "abc" },
    );
    const done = await runPipeline(await createRun(), deps, never);
    expect(done.state.error).toMatch(/secret "short": its value is too short/);
    const unknown = fakeRunDeps({ [SHA]: { jobs: [job("a", ["quire/push"], async ({ secret }) => ({ v: await secret("nope") }))] } });
    const failed = await runPipeline(await unknown.createRun(), unknown.deps, never);
    expect(failed.state.error).toMatch(/unknown secret "nope"/);
  });

  it("ends cancelled when stopped mid-command, stops every running job, and starts no further job", async () => {
    const { deps, createRun, files } = fakeRunDeps({
      [SHA]: {
        jobs: [
          job("slow", ["quire/push"], async ({ sh }) => void (await sh("sleep 30"))),
          job("also", ["quire/push"], async ({ sh }) => void (await sh("sleep 30"))),
          job("next", ["slow"], async () => ({})),
        ],
      },
    });
    const controller = new AbortController();
    const run = await createRun();
    const pending = runPipeline(run, deps, controller.signal);
    setTimeout(() => controller.abort({ kind: "cancelled", message: "cancelled by request" }), 20);
    const done = await pending;
    expect(done.state).toMatchObject({ status: "failed", outcome: "cancelled", error: "cancelled by request" });
    const receipt = JSON.parse((await files.readFile(run.meta.repo, run.meta.run_id, "receipt.json")) ?? "{}");
    expect(receipt.jobs).toEqual({ slow: "cancelled", also: "cancelled", next: "skipped" });
  });

  it("ends errored, not failed, when the executor breaks under a command, and starts no further job", async () => {
    const fakes = fakeRunDeps({
      [SHA]: {
        jobs: [
          job("a", ["quire/push"], async ({ sh }) => void (await sh(["crash"]))),
          job("b", ["a"], async () => ({})),
        ],
      },
    });
    const run = await fakes.createRun();
    const done = await runPipeline(run, { ...fakes.deps, executor: new FakeExecutor("crash") }, never);
    expect(done.state).toMatchObject({ status: "failed", outcome: "errored" });
    expect(done.state.error).toMatch(/infrastructure failed: .*container stopped while a command ran/);
    const receipt = JSON.parse((await fakes.files.readFile(run.meta.repo, run.meta.run_id, "receipt.json")) ?? "{}");
    expect(receipt.jobs).toEqual({ a: "cancelled", b: "skipped" });
  });

  it("runs independent jobs at once, up to jobs_per_run, each after all its inputs", async () => {
    const seen = async (limit: number) => {
      let active = 0;
      let peak = 0;
      const order: string[] = [];
      const body = (id: string, seconds = 0.05) => async ({ sh }: { sh: (cmd: string) => Promise<unknown> }) => {
        active += 1;
        peak = Math.max(peak, active);
        order.push(`${id}+`);
        await sh(`sleep ${seconds}`);
        order.push(`${id}-`);
        active -= 1;
      };
      const { deps, createRun } = fakeRunDeps({
        [SHA]: {
          jobs: [
            job("build", ["quire/push"], body("build")),
            job("slow", ["quire/push"], body("slow", 0.3)),
            job("lint", ["build"], body("lint")),
            job("docs", ["quire/push"], body("docs")),
          ],
        },
      });
      const done = await runPipeline(await createRun(), { ...deps, settings: { ...deps.settings, jobsPerRun: limit } }, never);
      expect(done.state.outcome).toBe("succeeded");
      return { peak, order };
    };
    const wide = await seen(4);
    expect(wide.peak).toBe(3);
    // lint waits for build only, not for the unrelated slow job.
    expect(wide.order.indexOf("lint+")).toBeGreaterThan(wide.order.indexOf("build-"));
    expect(wide.order.indexOf("lint+")).toBeLessThan(wide.order.indexOf("slow-"));
    const narrow = await seen(2);
    expect(narrow.peak).toBe(2);
    const serial = await seen(1);
    expect(serial.peak).toBe(1);
    expect(serial.order).toEqual(["build+", "build-", "slow+", "slow-", "lint+", "lint-", "docs+", "docs-"]);
  });

  it("ends errored when the pipeline does not load, and closes the session the executor opened beside it", async () => {
    const { deps, createRun, executor, workspaces } = fakeRunDeps({ [SHA]: { loadError: "SyntaxError: Unexpected token" } });
    const run = await createRun();
    const done = await runPipeline(run, deps, never);
    expect(done.state).toMatchObject({ status: "failed", outcome: "errored" });
    expect(done.state.error).toMatch(/did not load: SyntaxError: Unexpected token/);
    expect(executor.openSessions).toBe(0);
    expect(workspaces.live.size).toBe(0);
  });

  it("ends errored when the executor cannot open, and closes the pipeline loaded beside it", async () => {
    const { deps, createRun, workspaces } = fakeRunDeps({ [SHA]: { jobs: [job("never", ["quire/push"], async () => ({}))] } });
    const live = new Set<object>();
    const runtime = deps.runtime;
    deps.runtime = {
      load: (input) => runtime.load(input),
      start: (input) => {
        const started = runtime.start(input);
        return {
          abandon: () => started.abandon(),
          load: async (where) => {
            const loaded = await started.load(where);
            if (loaded.kind !== "loaded") return loaded;
            const { session } = loaded;
            live.add(session);
            return { kind: "loaded", session: { jobs: session.jobs, runJob: (id, host) => session.runJob(id, host), close: async () => void live.delete(session) } };
          },
        };
      },
    };
    deps.executor = { kind: "broken", open: async () => err({ code: "executor_unavailable", message: "no sandbox today" }) };
    const run = await createRun();
    const done = await runPipeline(run, deps, never);
    expect(done.state).toMatchObject({ status: "failed", outcome: "errored", error: "executor unavailable: no sandbox today" });
    expect(live.size).toBe(0);
    expect(workspaces.live.size).toBe(0);
  });

  it("does nothing with a run that is no longer pending", async () => {
    const { deps, createRun, store } = fakeRunDeps({ [SHA]: { jobs: [] } });
    const run = await createRun();
    await store.moveRun(run.meta.repo, run.meta.run_id, "pending", { ...run.state, status: "failed", outcome: "cancelled" });
    const result = await runPipeline(run, deps, never);
    expect((await store.getRun(run.meta.repo, run.meta.run_id))?.state.outcome).toBe("cancelled");
    expect(result.state.status).toBe("pending");
  });
});
