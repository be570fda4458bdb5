import type { MoveResult, RunFilter, RunStore, SweepReport } from "../../core/ports/storage.ts";
import type { RepoName, RunDraft, RunRecord, RunState, RunStateRecord } from "../../core/types.ts";

const clone = <T>(value: T): T => structuredClone(value);

/** Run records in memory, for the fast core tests. Passes the same contract as the fs store. */
export class MemoryRunStore implements RunStore {
  private readonly runs = new Map<string, RunRecord>();
  private readonly counters = new Map<string, number>();

  async createRun(draft: RunDraft): Promise<RunRecord> {
    const number = (this.counters.get(draft.repo) ?? 0) + 1;
    this.counters.set(draft.repo, number);
    const record: RunRecord = { meta: draft.meta(number), state: clone(draft.state) };
    this.runs.set(draft.run_id, record);
    return clone(record);
  }

  async getRun(repo: RepoName, runId: string): Promise<RunRecord | undefined> {
    const run = this.runs.get(runId);
    return run && run.meta.repo === repo ? clone(run) : undefined;
  }

  async findRun(runId: string): Promise<RunRecord | undefined> {
    const run = this.runs.get(runId);
    return run ? clone(run) : undefined;
  }

  async listRuns(filter: RunFilter = {}): Promise<RunRecord[]> {
    return [...this.runs.values()]
      .filter((r) => (filter.repo === undefined || r.meta.repo === filter.repo) && (filter.state === undefined || r.state.status === filter.state))
      .sort((a, b) => a.meta.run_id.localeCompare(b.meta.run_id))
      .map(clone);
  }

  async moveRun(repo: RepoName, runId: string, from: RunState, next: RunStateRecord): Promise<MoveResult> {
    return this.replace(repo, runId, from, next);
  }

  async updateState(repo: RepoName, runId: string, next: RunStateRecord): Promise<MoveResult> {
    return this.replace(repo, runId, next.status, next);
  }

  private replace(repo: RepoName, runId: string, expected: RunState, next: RunStateRecord): MoveResult {
    const run = this.runs.get(runId);
    if (!run || run.meta.repo !== repo) return { kind: "not-found" };
    if (run.state.status !== expected) return { kind: "wrong-state", actual: run.state.status };
    const record = { meta: run.meta, state: clone(next) };
    this.runs.set(runId, record);
    return { kind: "moved", record: clone(record) };
  }

  async sweep(): Promise<SweepReport> {
    return { removedTemp: 0, rolledForward: [] };
  }
}
