import type { RunRecord } from "../../core/types.ts";

/** The public shape of a run in API responses. */
export function runView(run: RunRecord) {
  return {
    run_id: run.meta.run_id,
    repo: run.meta.repo,
    number: run.meta.number,
    ref: run.meta.ref,
    sha: run.meta.sha,
    old_sha: run.meta.old_sha,
    pushed_at: run.meta.pushed_at,
    pipeline: run.meta.pipeline,
    status: run.state.status,
    outcome: run.state.outcome,
    created_at: run.state.created_at,
    started_at: run.state.started_at,
    finished_at: run.state.finished_at,
    error: run.state.error,
    last_job: run.state.last_job,
    ...(run.meta.retry_of === undefined ? {} : { retry_of: run.meta.retry_of }),
    ...(run.state.retried_by === undefined ? {} : { retried_by: run.state.retried_by }),
    // Runs without bubblewrap say so wherever the run is shown.
    ...(run.state.sandbox === undefined ? {} : { sandbox: run.state.sandbox }),
  };
}
