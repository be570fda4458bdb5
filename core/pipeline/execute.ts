import type { JobReturn, JobSpec } from "../ports/pipeline-runtime.ts";
import type { Clock } from "../ports/clock-ids.ts";
import type { LoggedMessage } from "./bounds.ts";
import type { ShRecord, ShTotals } from "./job-host.ts";
import type { RunEventListener } from "./run-events.ts";
import type { ValidPipeline } from "./validate.ts";

/** `cancelled`: the run was stopped (cancel, supersede, timeout, broken executor) while the job ran. */
export type JobStatus = "succeeded" | "failed" | "skipped" | "cancelled";

export interface JobResult {
  id: string;
  status: JobStatus;
  /** Why it failed or was skipped (the reason given to `skip()`, or the input that did not succeed). */
  error: string | null;
  outputs: Record<string, unknown> | null;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number;
  /** The first calls one by one (receipts list at most MAX_SH_RECORDS). */
  sh: ShRecord[];
  /** Counts over every call. */
  sh_totals: ShTotals;
  messages: LoggedMessage[];
}

export interface JobRun {
  result: JobReturn;
  sh: ShRecord[];
  totals: ShTotals;
  messages: LoggedMessage[];
}

export interface ExecuteDeps {
  /** Runs one job with the outputs it may read; never throws for a job's own failure. */
  runJob(job: JobSpec, visible: ReadonlyMap<string, Record<string, unknown>>): Promise<JobRun>;
  clock: Clock;
  signal: AbortSignal;
  /** How many jobs of this run may run at once (at least 1). */
  jobsPerRun: number;
  onEvent?: RunEventListener;
}

/**
 * Runs jobs as soon as all their inputs are done, up to `jobsPerRun` at once, needs-all. A job
 * whose inputs did not all succeed is skipped, and so are its dependents; after a stop,
 * nothing more starts. Results come back in the pipeline's order.
 */
export async function executePipeline(
  pipeline: ValidPipeline,
  sources: ReadonlyMap<string, Record<string, unknown>>,
  deps: ExecuteDeps,
): Promise<JobResult[]> {
  const limit = Math.max(1, Math.floor(deps.jobsPerRun));
  const results = new Map<string, JobResult>();
  const running = new Map<string, Promise<void>>();
  let waiting = [...pipeline.order];
  const settled = (input: string) => sources.has(input) || results.has(input);

  const start = (job: JobSpec): void => {
    const visible = new Map(sources);
    for (const ancestor of pipeline.ancestors.get(job.id) ?? []) {
      visible.set(ancestor, results.get(ancestor)?.outputs ?? {});
    }
    deps.onEvent?.({ type: "job-started", job: job.id });
    const started_at = deps.clock.now();
    const task = deps.runJob(job, visible).then((run) => {
      const finished_at = deps.clock.now();
      const ended = statusOf(run.result);
      // A job killed by a stop did not fail on its own; say what happened to it.
      const stopped = ended.status === "failed" && deps.signal.aborted;
      const result: JobResult = {
        id: job.id,
        ...(stopped ? { ...ended, status: "cancelled" as const } : ended),
        started_at,
        finished_at,
        duration_ms: Date.parse(finished_at) - Date.parse(started_at),
        sh: run.sh,
        sh_totals: run.totals,
        messages: run.messages,
      };
      results.set(job.id, result);
      running.delete(job.id);
      deps.onEvent?.({ type: "job-finished", job: job.id, status: result.status, error: result.error, duration_ms: result.duration_ms });
    });
    // A broken runJob ends the whole run (the caller tears everything down); others may still reject.
    task.catch(() => undefined);
    running.set(job.id, task);
  };

  for (;;) {
    // Declaration order among ready jobs; a skip can unblock (skip) more, so sweep until nothing moves.
    let moved = true;
    while (moved) {
      moved = false;
      for (const job of waiting) {
        if (!job.inputs.every(settled)) continue;
        const blocked = job.inputs.find((input) => !sources.has(input) && results.get(input)?.status !== "succeeded");
        if (deps.signal.aborted || blocked !== undefined) {
          const why = deps.signal.aborted ? "the run was stopped before this job started" : `input "${blocked}" did not succeed`;
          results.set(job.id, idle(job.id, why));
          deps.onEvent?.({ type: "job-finished", job: job.id, status: "skipped", error: why, duration_ms: 0 });
        } else if (running.size < limit) {
          start(job);
        } else {
          continue;
        }
        moved = true;
      }
      waiting = waiting.filter((job) => !results.has(job.id) && !running.has(job.id));
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  return pipeline.order.map((job) => results.get(job.id) as JobResult);
}

function statusOf(ret: JobReturn): Pick<JobResult, "status" | "error" | "outputs"> {
  switch (ret.kind) {
    case "outputs":
      return { status: "succeeded", error: null, outputs: ret.outputs };
    case "skipped":
      return { status: "skipped", error: ret.reason, outputs: null };
    case "failed":
      return { status: "failed", error: ret.error, outputs: null };
  }
}

const idle = (id: string, why: string): JobResult => ({
  id,
  status: "skipped",
  error: why,
  outputs: null,
  started_at: null,
  finished_at: null,
  duration_ms: 0,
  sh: [],
  sh_totals: { calls: 0, bytes_out: 0, redactions: 0 },
  messages: [],
});
