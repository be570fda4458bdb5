import type { StatusState } from "../outbox/delivery.ts";
import type { Outcome, RunRecord } from "../types.ts";

export const RUN_EVENTS = ["run.created", "run.started", "run.finished"] as const;
export type RunEventName = (typeof RUN_EVENTS)[number];

export interface CommitStatus {
  state: StatusState;
  description: string;
}

const FINISHED: Record<Outcome, StatusState> = {
  succeeded: "success",
  failed: "failure",
  errored: "error",
  "timed-out": "failure",
  orphaned: "error",
  cancelled: "cancelled",
  superseded: "cancelled",
};

/** The pipeline-wide status a run event stands for, with a short human description. */
export function runStatus(event: RunEventName, run: RunRecord): CommitStatus {
  const label = `${run.meta.repo}#${run.meta.number}`;
  if (event === "run.created") return { state: "pending", description: `${label} is queued` };
  if (event === "run.started") return { state: "running", description: `${label} is running` };
  const outcome = run.state.outcome ?? "errored";
  const why = run.state.error ? `: ${run.state.error}` : "";
  return { state: FINISHED[outcome], description: `${label} ${outcome}${why}` };
}

/** A job's status from the run receipt's `jobs` map (succeeded, failed, skipped). */
export function jobStatus(job: string, state: string): CommitStatus {
  if (state === "succeeded") return { state: "success", description: `${job} succeeded` };
  if (state === "skipped") return { state: "skipped", description: `${job} was skipped` };
  return { state: "failure", description: `${job} ${state}` };
}

/**
 * The lifecycle events a run in this state has been through, oldest first. A server that
 * learns of a run only from its current row (another host ran it) reports each of them;
 * the outbox records an event once, so reporting one again is harmless.
 */
export function eventsSoFar(run: RunRecord): RunEventName[] {
  const events: RunEventName[] = ["run.created"];
  if (run.state.status === "active" || run.state.started_at !== null) events.push("run.started");
  if (run.state.status === "complete" || run.state.status === "failed") events.push("run.finished");
  return events;
}
