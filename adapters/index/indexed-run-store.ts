import type { Clock } from "../../core/ports/clock-ids.ts";
import type { Logger } from "../../core/ports/logger.ts";
import type { MoveResult, RunFilter, RunStore, SweepReport } from "../../core/ports/storage.ts";
import { entryOf } from "../../core/index/run-index.ts";
import type { IndexView, RunIndexWriter } from "../../core/ports/run-index.ts";
import type { RepoName, RunDraft, RunRecord, RunState, RunStateRecord } from "../../core/types.ts";

/**
 * A RunStore that keeps the run index up to date: after every create, move and state
 * update that succeeded, it upserts the run's entry. The run directory is written
 * first and stays the truth; if the index write fails the run still stands, the
 * failure is logged, and reconcile repairs the entry.
 */
export class IndexedRunStore implements RunStore {
  constructor(
    readonly inner: RunStore,
    private readonly index: RunIndexWriter & { read?: () => Promise<IndexView> },
    private readonly clock: Clock,
    private readonly logger?: Logger,
  ) {}

  async createRun(draft: RunDraft): Promise<RunRecord> {
    const record = await this.inner.createRun(draft);
    await this.record(record);
    return record;
  }

  getRun(repo: RepoName, runId: string): Promise<RunRecord | undefined> {
    return this.inner.getRun(repo, runId);
  }

  /** The index knows the repo, which saves searching every repo's directories. */
  async findRun(runId: string): Promise<RunRecord | undefined> {
    const entry = this.index.read ? (await this.index.read()).get(runId) : undefined;
    if (entry) {
      const run = await this.inner.getRun(entry.repo, runId);
      if (run) return run;
    }
    return this.inner.findRun(runId);
  }

  listRuns(filter?: RunFilter): Promise<RunRecord[]> {
    return this.inner.listRuns(filter);
  }

  async moveRun(repo: RepoName, runId: string, from: RunState, next: RunStateRecord): Promise<MoveResult> {
    const result = await this.inner.moveRun(repo, runId, from, next);
    if (result.kind === "moved") await this.record(result.record);
    return result;
  }

  async updateState(repo: RepoName, runId: string, next: RunStateRecord): Promise<MoveResult> {
    const result = await this.inner.updateState(repo, runId, next);
    if (result.kind === "moved") await this.record(result.record);
    return result;
  }

  /** Runs the sweep rolls forward are picked up by the index repair that follows in reconcile. */
  sweep(): Promise<SweepReport> {
    return this.inner.sweep();
  }

  private async record(run: RunRecord): Promise<void> {
    try {
      await this.index.upsert(entryOf(run, this.clock.now()));
    } catch (error) {
      this.logger?.warn({ err: error, run_id: run.meta.run_id }, "run index update failed; reconcile will repair it");
    }
  }
}
