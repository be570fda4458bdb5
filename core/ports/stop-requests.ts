import type { StopReason } from "../run/stop-reason.ts";
import type { RunRecord } from "../types.ts";

/** Reaches the process that holds an active run, wherever it runs. */
export interface StopRequests {
  /** Records the request and signals the holder; false when the run is not active (any more). */
  request(run: RunRecord, reason: StopReason): Promise<boolean>;
}
