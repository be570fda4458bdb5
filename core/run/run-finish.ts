import { QuireError } from "../errors.ts";
import type { Redactor, RunFiles } from "../ports/run-files.ts";
import { capError } from "../pipeline/bounds.ts";
import type { JobResult } from "../pipeline/execute.ts";
import { jobReceipt, runReceipt } from "../pipeline/receipts.ts";
import type { RunEventListener } from "../pipeline/run-events.ts";
import type { Clock } from "../ports/clock-ids.ts";
import type { RunHandle } from "./run-handle.ts";
import type { Outcome, RunRecord } from "../types.ts";
import { jobReceiptPath, RUN_RECEIPT_FILE } from "./run-layout.ts";

export interface FinishDeps {
  files: RunFiles;
  clock: Clock;
  onEvent?: RunEventListener;
}

export interface RunEnd {
  jobs: JobResult[];
  outcome: Outcome;
  error: string | null;
}

/**
 * Writes the receipts and moves the run to its terminal state. Every text that leaves here
 * is redacted and capped, infrastructure errors included. A failure on the way (a receipt
 * that cannot be written, a state move that throws) never leaves the run active: it ends
 * `errored` with the reason, and only when even that move fails does this throw, a
 * QuireError "run_not_finished" whose message is that reason, redacted, for whoever retries.
 */
export async function finishRun(handle: RunHandle, deps: FinishDeps, redactor: Redactor, end: RunEnd): Promise<RunRecord> {
  const clean = (text: string) => capError(redactor.redact(text).text);
  const { meta } = handle.record;
  let outcome = end.outcome;
  let error = end.error === null ? null : clean(end.error);
  const now = deps.clock.now();
  try {
    for (const job of end.jobs) {
      await deps.files.writeFile(meta.repo, meta.run_id, jobReceiptPath(job.id), JSON.stringify(jobReceipt(meta, job, now), null, 2));
    }
  } catch (caught) {
    outcome = "errored";
    error = clean(`could not record the run's results: ${describe(caught)}`);
  }
  const summary = { jobs: end.jobs, outcome, error, started_at: handle.record.state.started_at, finished_at: now };
  try {
    await deps.files.writeFile(meta.repo, meta.run_id, RUN_RECEIPT_FILE, JSON.stringify(runReceipt(meta, summary, now), null, 2));
  } catch (caught) {
    if (outcome !== "errored") error = clean(`could not record the run's receipt: ${describe(caught)}`);
    outcome = "errored";
  }
  let moved;
  try {
    moved = await moveToEnd(handle, outcome, error);
  } catch (caught) {
    outcome = "errored";
    error = clean(`could not finish the run: ${describe(caught)}`);
    try {
      moved = await moveToEnd(handle, outcome, error);
    } catch (again) {
      throw new QuireError("run_not_finished", error, { cause: again });
    }
  }
  deps.onEvent?.({ type: "run-finished", run_id: meta.run_id, outcome, error });
  return moved.ok ? moved.value : handle.record;
}

function moveToEnd(handle: RunHandle, outcome: Outcome, error: string | null) {
  return outcome === "succeeded"
    ? handle.move({ to: "complete" })
    : handle.move({ to: "failed", outcome, ...(error === null ? {} : { error }) });
}

export const describe = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
