import { describe, expect, it } from "vitest";
import { FakePipelineRuntime } from "../../adapters/pipeline/fake-pipeline-runtime.ts";
import { draftRun } from "../../core/intake/create-run.ts";
import type { RepoName } from "../../core/types.ts";
import { createRunner } from "../../functions/node/runner.ts";
import { job, SHA } from "../support/fake-run-deps.ts";
import { memoryDeps } from "../support/memory-deps.ts";

const repo = "demo.git" as RepoName;

describe("createRunner over memoryDeps, the composition root's type in memory", () => {
  it("executes a queued run with the home's executor and runtime, and says which reloaded keys need a restart", async () => {
    const pipeline = { jobs: [job("build", ["quire/push"], async ({ sh }) => ({ exit: (await sh("true")).exit }))] };
    const deps = memoryDeps({ runtime: new FakePipelineRuntime(() => pipeline) });
    const runner = createRunner(deps);
    const draft = { repo, update: { ref: "refs/heads/main", old_sha: "0".repeat(40), new_sha: SHA }, pushed_at: deps.clock.now(), pipeline: ".quire/ci.ts" };
    const run = await deps.store.createRun(draftRun(draft, deps.ids, deps.clock));
    runner.queue.enqueue(run);
    await runner.queue.idle();
    expect((await deps.store.getRun(repo, run.meta.run_id))?.state).toMatchObject({ status: "complete", outcome: "succeeded" });
    expect(runner.reload({ ...deps.config, concurrency: 3 })).toEqual([]);
    expect(runner.reload({ ...deps.config, keep_workspaces: true })).toEqual(["keep_workspaces"]);
    // Each reload is against the config before it.
    expect(runner.reload(deps.config)).toEqual(["keep_workspaces"]);
    expect(runner.reload({ ...deps.config, pipeline: { ...deps.config.pipeline, memory_mb: 512 } })).toEqual([]);
    expect(runner.reload({ ...deps.config, pipeline: { ...deps.config.pipeline, spare: !deps.config.pipeline.spare } })).toEqual(["pipeline.spare"]);
    await runner.stop();
  });

  it("keeps retrying a run whose end could not be recorded, as this server's live run, and ends it errored with why", async () => {
    const pipeline = { jobs: [job("build", ["quire/push"], async () => undefined)] };
    const deps = memoryDeps({ runtime: new FakePipelineRuntime(() => pipeline) });
    let endMoves = 0;
    const store = new Proxy(deps.store, {
      get(target, key, receiver) {
        if (key === "moveRun") {
          return async (...args: Parameters<typeof target.moveRun>) => {
            if (args[3].status !== "active" && ++endMoves <= 3) throw new Error("disk said no");
            return target.moveRun(...args);
          };
        }
        const value: unknown = Reflect.get(target, key, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const runner = createRunner({ ...deps, store });
    const draft = { repo, update: { ref: "refs/heads/main", old_sha: "0".repeat(40), new_sha: SHA }, pushed_at: deps.clock.now(), pipeline: ".quire/ci.ts" };
    const run = await deps.store.createRun(draftRun(draft, deps.ids, deps.clock));
    runner.queue.enqueue(run);
    // Both of finishRun's moves and the first retry (after 0.5 s) are refused; the next one lands.
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect((await deps.store.getRun(repo, run.meta.run_id))?.state).toMatchObject({ status: "active", lease: { owner: deps.liveness.self } });
    await runner.queue.idle();
    expect((await deps.store.getRun(repo, run.meta.run_id))?.state).toMatchObject({
      status: "failed",
      outcome: "errored",
      error: "could not finish the run: Error: disk said no",
    });
    expect(endMoves).toBe(4);
    await runner.stop();
  });
});
