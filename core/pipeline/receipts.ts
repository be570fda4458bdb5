import type { Outcome, RunMeta } from "../types.ts";
import { MAX_SH_RECORDS } from "./bounds.ts";
import type { JobResult } from "./execute.ts";
import type { ShTotals } from "./job-host.ts";

/** Start, finish and machine time of a thing, as the devlt block records it. */
export interface Devlt {
  started_at: string | null;
  finished_at: string | null;
  machine_duration_ms: number;
}

const devlt = (started_at: string | null, finished_at: string | null): Devlt => ({
  started_at,
  finished_at,
  machine_duration_ms: started_at && finished_at ? Date.parse(finished_at) - Date.parse(started_at) : 0,
});

export const JOB_RECEIPT_VERSION = 2;

/**
 * Mechanical counts for one job: facts, not judgements. Everything in it is already
 * redacted and capped (core/pipeline/bounds.ts), so its size is bounded.
 */
export function jobReceipt(meta: RunMeta, job: JobResult, generatedAt: string) {
  return {
    // 2: `messages` became `{ at, text }` (1 had plain strings); readers take both.
    version: JOB_RECEIPT_VERSION,
    run_id: meta.run_id,
    job: job.id,
    state: job.status,
    error: job.error,
    evidence_sha: meta.sha,
    generated_at: generatedAt,
    sh_calls: job.sh_totals.calls,
    exit_codes: job.sh.map((s) => s.exit),
    duration_ms: job.duration_ms,
    bytes_out: job.sh_totals.bytes_out,
    redactions: job.sh_totals.redactions,
    sh: job.sh,
    ...(job.sh_totals.calls > job.sh.length ? { sh_unlisted: job.sh_totals.calls - job.sh.length } : {}),
    outputs: job.outputs,
    messages: job.messages,
    devlt: devlt(job.started_at, job.finished_at),
  };
}

export interface RunSummary {
  outcome: Outcome;
  error: string | null;
  started_at: string | null;
  finished_at: string;
  jobs: JobResult[];
}

export function runReceipt(meta: RunMeta, summary: RunSummary, generatedAt: string) {
  const sh = summary.jobs.flatMap((j) => j.sh).slice(0, MAX_SH_RECORDS);
  const total = (key: keyof ShTotals) => summary.jobs.reduce((sum, j) => sum + j.sh_totals[key], 0);
  return {
    version: 1,
    run_id: meta.run_id,
    repo: meta.repo,
    number: meta.number,
    ref: meta.ref,
    evidence_sha: meta.sha,
    outcome: summary.outcome,
    error: summary.error,
    generated_at: generatedAt,
    jobs: Object.fromEntries(summary.jobs.map((j) => [j.id, j.status])),
    sh_calls: total("calls"),
    // The first MAX_SH_RECORDS calls' exit codes; sh_calls counts them all.
    exit_codes: sh.map((s) => s.exit),
    bytes_out: total("bytes_out"),
    redactions: total("redactions"),
    devlt: devlt(summary.started_at, summary.finished_at),
  };
}
