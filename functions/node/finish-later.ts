/**
 * A run whose state could not be moved to its end, twice (finishRun's "run_not_finished"),
 * stays this server's: it stays among the runs whose lease the heartbeat renews while the
 * move to `errored` is retried with backoff, so no reconcile takes a live server's run for an
 * orphan, and it ends with the reason finishing failed for once storage lets it. A server that
 * stops first leaves it to the next start's reconcile.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { QuireError } from "../../core/errors.ts";
import type { RunHandle } from "../../core/run/run-handle.ts";
import type { RunRecord } from "../../core/types.ts";
import type { Logger } from "../../core/ports/logger.ts";

const FIRST_WAIT_MS = 500;
const LONGEST_WAIT_MS = 30_000;

/** Resolves once the run has ended (here or elsewhere); rejects with `reason` if `stopping` aborts first. */
export async function finishLater(handle: RunHandle, reason: string, stopping: AbortSignal, logger: Logger): Promise<RunRecord> {
  const { run_id } = handle.record.meta;
  for (let wait = FIRST_WAIT_MS; ; wait = Math.min(wait * 2, LONGEST_WAIT_MS)) {
    logger.error({ run_id, error: reason, retry_in_ms: wait }, "run not finished; retrying");
    try {
      await sleep(wait, undefined, { signal: stopping });
    } catch {
      throw new QuireError("run_not_finished", `the server stopped before run ${run_id} could be finished: ${reason}`);
    }
    try {
      const moved = await handle.move({ to: "failed", outcome: "errored", error: reason });
      // Not active any more: someone else (a cancel, an operator) ended it.
      return moved.ok ? moved.value : handle.record;
    } catch {
      // Storage still refuses: wait longer.
    }
  }
}
