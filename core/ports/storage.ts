import type { RepoName, RunDraft, RunRecord, RunState, RunStateRecord } from "../types.ts";

export type MoveResult =
  | { kind: "moved"; record: RunRecord }
  | { kind: "not-found" }
  | { kind: "wrong-state"; actual: RunState };

export interface RunFilter {
  repo?: RepoName;
  state?: RunState;
}

/**
 * Run records. The state directory is authoritative; every write is atomic and a
 * state change is one rename. Implementations: fs (production) and memory (tests).
 */
export interface RunStore {
  /** Allocates the next per-repo number under an exclusive lock, then writes the run into pending/. */
  createRun(draft: RunDraft): Promise<RunRecord>;
  getRun(repo: RepoName, runId: string): Promise<RunRecord | undefined>;
  /** Looks a run up by id alone, whichever repo and state holds it. */
  findRun(runId: string): Promise<RunRecord | undefined>;
  listRuns(filter?: RunFilter): Promise<RunRecord[]>;
  /** Writes `next` into state.yml, then moves the run from `from` to `next.status` in one rename. */
  moveRun(repo: RepoName, runId: string, from: RunState, next: RunStateRecord): Promise<MoveResult>;
  /** Rewrites state.yml in place without changing the directory (heartbeats, last_job). */
  updateState(repo: RepoName, runId: string, next: RunStateRecord): Promise<MoveResult>;
  /** Repairs left by a crash: temp files, half-made runs, state.yml that disagrees with its directory. */
  sweep(): Promise<SweepReport>;
}

export interface SweepReport {
  removedTemp: number;
  /** Runs whose state.yml said another status than their directory; the move was finished. */
  rolledForward: string[];
}
