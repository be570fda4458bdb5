import { parseCriLine } from "../../core/logs/cri-line.ts";
import { interleave, receiptMessages, receiptSh, type TranscriptMessage, type TranscriptSh } from "../../core/pipeline/job-transcript.ts";
import { statusLabel } from "../../core/run/status-label.ts";
import { ApiError, type ApiClient } from "../http/api-client.ts";
import type { RunDetailsJson } from "../http/api-types.ts";

/** `GET /runs/:ref`, as the server writes it. */
export type LogsRun = RunDetailsJson;

export interface LogsOptions {
  job?: string;
  follow?: boolean;
  json?: boolean;
  pollMs: string;
}

const TERMINAL = new Set(["complete", "failed"]);
const out = (line: string): void => void process.stdout.write(line + "\n");

/** What has been printed of one job, so a poll prints only what is new. */
interface Printed {
  headers: Map<number, boolean>; // n → whether the header carried the exit code
  ended: Set<number>;
  offsets: Map<number, number>;
  messages: number;
  footer: boolean;
}

/**
 * Prints a run's jobs in the order they ran: each sh call's command and exit code as a
 * header, then its output, `log()` messages where their time puts them, how each job ended,
 * and how the run ended (the load error of a pipeline that never started). With --follow it
 * keeps polling until the run ends. Returns whether the run (or the --job) succeeded.
 */
export async function printLogs(api: ApiClient, ref: string, opts: LogsOptions): Promise<boolean> {
  let run = await api.getRun(ref);
  // Pinned by id: `demo.git@main` keeps following the same run when a newer push arrives.
  const id = run.run_id;
  const printed = new Map<string, Printed>();
  const pollMs = Math.max(50, Number(opts.pollMs) || 500);
  for (;;) {
    const done = TERMINAL.has(run.status);
    for (const job of run.jobs.filter((j) => opts.job === undefined || j.id === opts.job)) {
      let seen = printed.get(job.id);
      if (!seen) printed.set(job.id, (seen = { headers: new Map(), ended: new Set(), offsets: new Map(), messages: 0, footer: false }));
      await printJob(api, id, job, seen, opts.json === true, done);
    }
    if (done || !opts.follow) return finish(run, opts);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    run = await api.getRun(id);
  }
}

async function printJob(api: ApiClient, runId: string, job: LogsRun["jobs"][number], seen: Printed, json: boolean, runDone: boolean) {
  const prefix = `[${job.id}]`;
  const ended = job.receipt !== null || runDone;
  const sh: TranscriptSh[] = job.receipt
    ? receiptSh(job.receipt)
    : (job.live?.sh ?? []).map((s) => ({ ...s, duration_ms: null }));
  // A log whose call the receipt does not list (past its cap) or not yet known still prints.
  for (const n of job.logs) if (!sh.some((s) => s.n === n)) sh.push({ n, cmd: null, exit: null, reason: null, started_at: null, duration_ms: null });
  sh.sort((a, b) => a.n - b.n);
  const messages = job.receipt ? receiptMessages(job.receipt) : (job.live?.messages ?? []);
  let message = 0;
  for (const piece of interleave(sh, messages)) {
    if (piece.kind === "msg") {
      if (message++ >= seen.messages) {
        seen.messages = message;
        if (!json) out(`${prefix} log: ${piece.msg.text}`);
      }
      continue;
    }
    const call = piece.sh;
    if (!seen.headers.has(call.n)) {
      seen.headers.set(call.n, call.exit !== null);
      if (!json) out(`${prefix} $ ${call.cmd ?? `sh call ${call.n}`}${call.exit === null ? "" : `  (${exitText(call)})`}`);
    }
    if (job.logs.includes(call.n) && !seen.ended.has(call.n)) {
      const offset = seen.offsets.get(call.n) ?? 0;
      const text = await api.logs(runId, job.id, call.n, offset).catch(missingLog);
      // Only whole lines while the call may still write: a line being written comes next poll.
      const end = ended || call.exit !== null ? text.length : text.lastIndexOf("\n") + 1;
      for (const line of text.slice(0, end).split("\n")) if (line) printLine(job.id, call.n, line, json);
      seen.offsets.set(call.n, offset + Buffer.byteLength(text.slice(0, end)));
      if (ended || call.exit !== null) seen.ended.add(call.n);
    }
    if (call.exit !== null && seen.headers.get(call.n) === false) {
      seen.headers.set(call.n, true);
      if (!json) out(`${prefix} ${exitText(call)}`);
    }
  }
  // A job's receipt is written when the run ends; while it goes on, the live state says how a job ended.
  const end = job.receipt
    ? { state: job.receipt.state, duration_ms: job.receipt.duration_ms, error: job.receipt.error }
    : job.live && job.live.status !== "running" ? { state: job.live.status, duration_ms: job.live.duration_ms, error: job.live.error } : undefined;
  if (end && !seen.footer) {
    seen.footer = true;
    const state = typeof end.state === "string" ? end.state : "ended";
    const ms = typeof end.duration_ms === "number" && state !== "skipped" ? ` in ${(end.duration_ms / 1000).toFixed(1)} s` : "";
    const why = typeof end.error === "string" ? `: ${end.error}` : "";
    if (!json) out(`${prefix} ${state}${ms}${why}`);
  }
}

/** A log the server cannot serve reads as empty; a server that stopped answering still fails. */
function missingLog(error: unknown): string {
  if (error instanceof ApiError && error.status !== null) return "";
  throw error;
}

function exitText(call: TranscriptSh): string {
  return `exit ${call.exit ?? "?"}${call.reason ? `, ${call.reason}` : ""}`;
}

function printLine(job: string, n: number, raw: string, json: boolean): void {
  const line = parseCriLine(raw);
  if (json) return out(JSON.stringify({ job, n, time: line?.time ?? null, stream: line?.stream ?? null, text: line?.text ?? raw }));
  out(`[${job}] ${line ? line.text : raw}`);
}

function finish(run: LogsRun, opts: LogsOptions): boolean {
  const label = statusLabel(run);
  if (opts.job !== undefined) {
    const state = run.jobs.find((j) => j.id === opts.job)?.receipt?.state;
    return state === "succeeded";
  }
  if (!opts.json) {
    if (TERMINAL.has(run.status)) out(`run ${label}${run.error ? `: ${run.error}` : ""}`);
    else process.stderr.write(`quire: the run is still ${label}; -f follows it to its end\n`);
  }
  return run.status === "complete";
}
