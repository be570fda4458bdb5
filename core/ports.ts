import type { RepoName, RunDraft, RunRecord, RunState, RunStateRecord } from "./types.ts";

/** Wall clock as ISO-8601 strings; core never reads the time itself. */
export interface Clock {
  now(): string;
  /** The ISO time `ms` milliseconds from now (lease expiry, deadlines). */
  after(ms: number): string;
}

/** Time-ordered unique ids (UUIDv7 in production). */
export interface Ids {
  runId(): string;
}

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

/** The bare repositories quire serves. */
export interface GitPort {
  repoExists(repo: RepoName): Promise<boolean>;
  /** Returns the first of `paths` that exists as a file at `sha`, or null. */
  findFile(repo: RepoName, sha: string, paths: readonly string[]): Promise<string | null>;
  /** The first line of the commit's message (shown in the web view), or null when there is no such commit. */
  commitSubject?(repo: RepoName, sha: string): Promise<string | null>;
}

/** Says whether the process behind a lease owner is still alive. */
export interface Liveness {
  /** The owner string this process writes into leases. */
  readonly self: string;
  isAlive(owner: string): boolean;
}

export interface Logger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

/** Containers started for runs, as the container runtime labels them. */
export interface ContainerJanitor {
  /** Every container carrying a quire run label, with the run id it names. */
  listRunContainers(): Promise<{ containerId: string; runId: string }[]>;
  remove(containerId: string): Promise<void>;
}

/** Process groups that host commands of runs started, recorded outside the process. */
export interface ProcessJanitor {
  /** Run ids that still have recorded process groups. */
  listRuns(): Promise<string[]>;
  /** Kills every recorded process group of the run; returns how many were alive. */
  killRun(runId: string): Promise<number>;
}

/** Per-run workspaces left on disk; reconcile removes those no live run uses. */
export interface WorkspaceJanitor {
  /** Run ids that have a workspace (none when workspaces are kept on purpose). */
  listRuns(): Promise<string[]>;
  remove(runId: string): Promise<void>;
}
