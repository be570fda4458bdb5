import type { Outcome, RunState } from "../types.ts";

/**
 * What a person calls a run's state: queued, running, succeeded, or how it ended (failed,
 * cancelled, timed-out, …). `status` alone says only which directory the run is in, and a
 * cancelled run lives in `failed/`. The web view and the CLI both show this word.
 */
export function statusLabel(run: { status: RunState | string; outcome: Outcome | string | null }): string {
  if (run.status === "pending") return "queued";
  if (run.status === "active") return "running";
  return run.outcome ?? run.status;
}
