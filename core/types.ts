/** The four directories a run can live in; the directory is the source of truth. */
export const RUN_STATES = ["pending", "active", "complete", "failed"] as const;
export type RunState = (typeof RUN_STATES)[number];

export const OUTCOMES = [
  "succeeded",
  "failed",
  "errored",
  "orphaned",
  "superseded",
  "cancelled",
  "timed-out",
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** A validated repo name: `foo.git` or `group/foo.git`. */
export type RepoName = string & { readonly __brand: "RepoName" };

export interface RefUpdate {
  ref: string;
  old_sha: string;
  new_sha: string;
}

export interface PushEvent {
  type: "push";
  /** The hook's id for this event; runs of the same id are created once. */
  event_id?: string;
  repo: RepoName;
  pushed_at: string;
  refs: RefUpdate[];
}

/** Immutable facts about a run, fixed at creation (meta.yml). */
export interface RunMeta {
  run_id: string;
  repo: RepoName;
  number: number;
  sha: string;
  ref: string;
  old_sha: string;
  pushed_at: string;
  pipeline: string;
  /** Set on runs started by `retry`: the run this one repeats. */
  retry_of?: string;
  /** The commit's subject line as git had it at intake. */
  subject?: string;
}

/** Proof that a live process owns an active run; renewed by heartbeat. */
export interface Lease {
  owner: string;
  expires_at: string;
}

/** Mutable run state (state.yml). */
export interface RunStateRecord {
  status: RunState;
  outcome: Outcome | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
  lease: Lease | null;
  last_job: string | null;
  /** Present when the run ran without bubblewrap (`sandbox: off`). */
  sandbox?: "off";
  /** Set on runs started by `retry`: who asked for it. */
  retried_by?: string;
}

export interface RunRecord {
  meta: RunMeta;
  state: RunStateRecord;
}

/** What is needed to create a run before storage assigns its number. */
export interface RunDraft {
  run_id: string;
  repo: RepoName;
  meta: (number: number) => RunMeta;
  state: RunStateRecord;
}
