import { OUTCOMES, RUN_STATES, type Outcome, type RepoName, type RunRecord, type RunState } from "../types.ts";

/** One run in `<home>/runs/index.json`, as docs/architecture.md describes it. */
export interface IndexEntry {
  run_id: string;
  repo: RepoName;
  number: number;
  ref: string;
  sha: string;
  status: RunState;
  outcome: Outcome | null;
  updated_at: string;
  last_job: string | null;
}

export const INDEX_VERSION = 1;

export function entryOf(run: RunRecord, updated_at: string): IndexEntry {
  return {
    run_id: run.meta.run_id,
    repo: run.meta.repo,
    number: run.meta.number,
    ref: run.meta.ref,
    sha: run.meta.sha,
    status: run.state.status,
    outcome: run.state.outcome,
    updated_at,
    last_job: run.state.last_job,
  };
}

/**
 * For entries made from a run directory rather than a live transition (rebuild,
 * repair): the latest time the run's own state records, so a rebuild is repeatable.
 */
export function recordedAt(run: RunRecord): string {
  const { created_at, started_at, finished_at } = run.state;
  return [created_at, started_at, finished_at].reduce<string>(
    (latest, t) => (t !== null && t > latest ? t : latest),
    created_at,
  );
}

/** Same facts about the run; `updated_at` says when we learned them, not what they are. */
export function sameFacts(a: IndexEntry, b: IndexEntry): boolean {
  return (
    a.run_id === b.run_id &&
    a.repo === b.repo &&
    a.number === b.number &&
    a.ref === b.ref &&
    a.sha === b.sha &&
    a.status === b.status &&
    a.outcome === b.outcome &&
    a.last_job === b.last_job
  );
}

/** Fields that never change after creation; a mismatch means the entry must be re-keyed. */
export function sameIdentity(a: IndexEntry, b: IndexEntry): boolean {
  return a.repo === b.repo && a.number === b.number && a.ref === b.ref && a.sha === b.sha;
}

const isString = (v: unknown): v is string => typeof v === "string";

/**
 * Checks a parsed entry from disk. The index is derived data that a person could edit
 * or a crash could tear, so a bad entry is dropped (reconcile re-adds the run).
 */
export function asIndexEntry(value: unknown): IndexEntry | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (!isString(v.run_id) || !isString(v.repo) || !isString(v.ref) || !isString(v.sha) || !isString(v.updated_at)) {
    return undefined;
  }
  if (typeof v.number !== "number" || !Number.isSafeInteger(v.number)) return undefined;
  if (!RUN_STATES.includes(v.status as RunState)) return undefined;
  if (v.outcome !== null && !OUTCOMES.includes(v.outcome as Outcome)) return undefined;
  if (v.last_job !== null && !isString(v.last_job)) return undefined;
  return {
    run_id: v.run_id,
    repo: v.repo as RepoName,
    number: v.number,
    ref: v.ref,
    sha: v.sha,
    status: v.status as RunState,
    outcome: v.outcome as Outcome | null,
    updated_at: v.updated_at,
    last_job: v.last_job as string | null,
  };
}
