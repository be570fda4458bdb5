import type { Clock, Ids } from "../ports/clock-ids.ts";
import type { RepoName, RefUpdate, RunDraft, RunStateRecord } from "../types.ts";

export interface DraftInput {
  /** A run id fixed by the caller (derived from an event id); otherwise a fresh one. */
  run_id?: string;
  repo: RepoName;
  update: RefUpdate;
  pushed_at: string;
  pipeline: string;
  retry_of?: string;
  retried_by?: string;
  /** The commit's subject line, from git at intake. */
  subject?: string;
}

/** A pending run; storage fills in the per-repo number under its lock. */
export function draftRun(input: DraftInput, ids: Ids, clock: Clock): RunDraft {
  const run_id = input.run_id ?? ids.runId();
  const state: RunStateRecord = {
    status: "pending",
    outcome: null,
    created_at: clock.now(),
    started_at: null,
    finished_at: null,
    error: null,
    lease: null,
    last_job: null,
    ...(input.retried_by === undefined ? {} : { retried_by: input.retried_by }),
  };
  return {
    run_id,
    repo: input.repo,
    state,
    meta: (number) => ({
      run_id,
      repo: input.repo,
      number,
      sha: input.update.new_sha,
      ref: input.update.ref,
      old_sha: input.update.old_sha,
      pushed_at: input.pushed_at,
      pipeline: input.pipeline,
      ...(input.retry_of === undefined ? {} : { retry_of: input.retry_of }),
      ...(input.subject === undefined ? {} : { subject: input.subject }),
    }),
  };
}
