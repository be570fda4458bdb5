/**
 * A real quire server for benchmarks: a temp home with its config, `quire serve` as a
 * process of its own (so its memory and CPU are its own), one repo and a working clone
 * to push pipelines from. Built on the test helpers, so benches and tests start quire alike.
 */
import { readFile, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { git, WorkClone } from "../../test/support/git.ts";
import type { ServerProcess } from "../../test/support/quire-process.ts";
import { pushEvent, runIdsFromPush, waitForRun, type RunView } from "../../test/support/runs-api.ts";
import { serveRepo } from "../../test/support/served-repo.ts";
import type { jobReceipt } from "../../core/pipeline/receipts.ts";

export const BENCH_REPO = "bench.git";

export interface BenchServer {
  home: string;
  server: ServerProcess;
  clone: WorkClone;
  /** Commits `.quire/ci.ts` (and any extra files), pushes, returns the run the hook created. */
  pushPipeline(pipeline: string, extra?: Record<string, string>): Promise<string>;
  /**
   * The same, but the bare repo's hook stays off and the bench posts the push event
   * itself, as the hook would: no hook process competes with the run for the CPU.
   */
  pushPipelineDirect(pipeline: string, extra?: Record<string, string>): Promise<string>;
  /** Waits until the run is terminal and fails loudly unless it succeeded. */
  waitSucceeded(runId: string, timeoutMs?: number): Promise<RunView>;
  /** The run's directory on disk, in the state it is in now. */
  runDir(run: RunView): string;
  /** Stops the server and removes the home and the clone. */
  close(): Promise<void>;
}

export async function startBenchServer(configYaml = ""): Promise<BenchServer> {
  const { home, server: running, clone: work } = await serveRepo({ repo: BENCH_REPO, config: configYaml, homePrefix: "quire-bench-" });
  return {
    home,
    server: running,
    clone: work,
    async pushPipeline(pipeline, extra = {}) {
      await work.commit({ ".quire/ci.ts": pipeline, ...extra }, "bench");
      const stderr = await work.push(["origin", "HEAD:refs/heads/main", "--force"]);
      const [id] = runIdsFromPush(stderr);
      if (!id) throw new Error(`the push created no run: ${stderr}`);
      return id;
    },
    async pushPipelineDirect(pipeline, extra = {}) {
      const before = await git(work.dir, ["rev-parse", "--verify", "--quiet", "HEAD"]).catch(() => "");
      const sha = await work.commit({ ".quire/ci.ts": pipeline, ...extra }, "bench");
      const noHooks = "git -c core.hooksPath=/dev/null receive-pack";
      await git(work.dir, ["push", "--quiet", `--receive-pack=${noHooks}`, "origin", "HEAD:refs/heads/main", "--force"]);
      const body = await running.api.push(pushEvent(BENCH_REPO, "refs/heads/main", sha, before.trim() || undefined));
      const id = body.runs[0]?.run_id;
      if (id === undefined) throw new Error(`the push event made no run: ${JSON.stringify(body)}`);
      return id;
    },
    async waitSucceeded(runId, timeoutMs = 120_000) {
      const run = await waitForRun(running, runId, undefined, timeoutMs);
      if (run.outcome !== "succeeded") throw new Error(`run ${runId} ended ${run.outcome}: ${run.error ?? ""}`);
      return run;
    },
    runDir: (run) => join(home, "runs", BENCH_REPO, run.status, run.run_id),
    async close() {
      await running.stop();
      await rm(home, { recursive: true, force: true });
      await rm(dirname(work.dir), { recursive: true, force: true });
    },
  };
}

/** A job's receipt.json, typed by the code that writes it. */
export type JobReceipt = ReturnType<typeof jobReceipt>;
export type ShReceipt = JobReceipt["sh"][number];

export async function readJobReceipt(runDir: string, job: string): Promise<JobReceipt> {
  return JSON.parse(await readFile(join(runDir, "jobs", job, "receipt.json"), "utf8")) as JobReceipt;
}

/** `created_at` and `started_at` of state.yml, as epoch ms. */
export async function readStateTimes(runDir: string): Promise<{ created: number; started: number }> {
  const state = parse(await readFile(join(runDir, "state.yml"), "utf8")) as Record<string, unknown>;
  const time = (name: string): number => {
    const value = typeof state[name] === "string" ? Date.parse(state[name]) : NaN;
    if (Number.isNaN(value)) throw new Error(`state.yml has no ${name}: ${JSON.stringify(state)}`);
    return value;
  };
  return { created: time("created_at"), started: time("started_at") };
}
