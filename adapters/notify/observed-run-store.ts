import type { RunEventName } from "../../core/notify/run-status.ts";
import type { MoveResult, RunFilter, RunStore, SweepReport } from "../../core/ports/storage.ts";
import type { RepoName, RunDraft, RunRecord, RunState, RunStateRecord } from "../../core/types.ts";

export type RunObserver = (event: RunEventName, run: RunRecord) => void;

/**
 * A RunStore that tells an observer about each run's lifecycle as it is written: created,
 * started (moved to active) and finished (moved to complete or failed). Every path that
 * changes a run's state (queue, cancel, supersede, reconcile) goes through the store, so
 * none is missed and none of them needs to know about notifications.
 */
export class ObservedRunStore implements RunStore {
  constructor(readonly inner: RunStore, private readonly observe: RunObserver) {}

  async createRun(draft: RunDraft): Promise<RunRecord> {
    const record = await this.inner.createRun(draft);
    this.observe("run.created", record);
    return record;
  }

  getRun(repo: RepoName, runId: string): Promise<RunRecord | undefined> {
    return this.inner.getRun(repo, runId);
  }

  findRun(runId: string): Promise<RunRecord | undefined> {
    return this.inner.findRun(runId);
  }

  listRuns(filter?: RunFilter): Promise<RunRecord[]> {
    return this.inner.listRuns(filter);
  }

  async moveRun(repo: RepoName, runId: string, from: RunState, next: RunStateRecord): Promise<MoveResult> {
    const result = await this.inner.moveRun(repo, runId, from, next);
    if (result.kind === "moved" && from !== result.record.state.status) {
      const to = result.record.state.status;
      if (to === "active") this.observe("run.started", result.record);
      else if (to === "complete" || to === "failed") this.observe("run.finished", result.record);
    }
    return result;
  }

  updateState(repo: RepoName, runId: string, next: RunStateRecord): Promise<MoveResult> {
    return this.inner.updateState(repo, runId, next);
  }

  sweep(): Promise<SweepReport> {
    return this.inner.sweep();
  }
}
