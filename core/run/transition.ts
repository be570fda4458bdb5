import { err, ok, type Result } from "../result.ts";
import type { Lease, Outcome, RunRecord, RunState, RunStateRecord } from "../types.ts";

export type TransitionTarget =
  | { to: "active"; lease: Lease }
  | { to: "complete" }
  | { to: "failed"; outcome: Exclude<Outcome, "succeeded">; error?: string };

export interface TransitionError {
  code: "illegal_transition";
  message: string;
  from: RunState;
  to: RunState;
}

const FAILED_FROM: Record<RunState, ReadonlySet<Outcome>> = {
  pending: new Set<Outcome>(["cancelled", "superseded"]),
  active: new Set<Outcome>(["failed", "errored", "orphaned", "superseded", "cancelled", "timed-out"]),
  complete: new Set(),
  failed: new Set(),
};

/**
 * The legal moves: pending→active, pending→failed (cancelled, superseded),
 * active→complete, active→failed. Anything else is a value, never a rename.
 */
export function planTransition(
  record: RunRecord,
  target: TransitionTarget,
  now: string,
): Result<RunStateRecord, TransitionError> {
  const from = record.state.status;
  const illegal = (why: string) =>
    err<TransitionError>({ code: "illegal_transition", from, to: target.to, message: `${from} → ${target.to}: ${why}` });
  switch (target.to) {
    case "active":
      if (from !== "pending") return illegal("only a pending run can start");
      return ok({ ...record.state, status: "active", started_at: now, lease: target.lease });
    case "complete":
      if (from !== "active") return illegal("only an active run can complete");
      return ok({ ...record.state, status: "complete", outcome: "succeeded", finished_at: now, lease: null });
    case "failed":
      if (!FAILED_FROM[from].has(target.outcome)) {
        return illegal(`a ${from} run cannot end as ${target.outcome}`);
      }
      return ok({
        ...record.state,
        status: "failed",
        outcome: target.outcome,
        finished_at: now,
        lease: null,
        error: target.error ?? record.state.error,
      });
  }
}

export const isTerminal = (state: RunState): boolean => state === "complete" || state === "failed";
