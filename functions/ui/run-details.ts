import type { LogReader, RunFiles } from "../../core/ports/run-files.ts";
import type { RepoName, RunRecord } from "../../core/types.ts";
import { encodeCursor, logKey, type StreamCursor } from "../http/sse-cursor.ts";
import { logLineRenderer, type RenderedLine } from "../http/ui-log-line.ts";
import type { LiveRun, LiveRunsView } from "./live-runs.ts";
import { MAX_RECEIPT_BYTES } from "../../core/pipeline/bounds.ts";
import { receiptMessages, receiptSh, type TranscriptMessage, type TranscriptSh } from "../../core/pipeline/job-transcript.ts";
import { parseRunFile, RUN_RECEIPT_FILE } from "../../core/run/run-layout.ts";

/** The most of one log a page shows inline; the raw download has the rest. */
export const PAGE_LOG_BYTES = 2 * 1024 * 1024;

export interface ShSection extends TranscriptSh {
  lines: RenderedLine[];
  /** More bytes exist than the page shows. */
  cut: boolean;
}

export type JobMessage = TranscriptMessage;

export interface JobDetails {
  id: string;
  /** succeeded, failed, skipped, cancelled from the receipt; running or waiting while the run goes on. */
  status: string;
  reason: string | null;
  duration_ms: number | null;
  started_at: string | null;
  sh: ShSection[];
  messages: JobMessage[];
}

export interface RunDetails {
  jobs: JobDetails[];
  /** The SSE position right after what the page shows. */
  cursor: string;
}

type Json = Record<string, unknown>;

/**
 * Everything the run page shows of the jobs, from the run's files: receipts once jobs have
 * finished (commands, exit codes, messages, skip reasons), logs as far as they are written.
 */
export async function runDetails(deps: { files?: RunFiles; logs?: LogReader; live?: LiveRunsView }, run: RunRecord): Promise<RunDetails> {
  const { repo, run_id } = run.meta;
  const cursor: StreamCursor = new Map();
  if (!deps.files) return { jobs: [], cursor: encodeCursor(cursor) };
  const paths = await deps.files.listFiles(repo, run_id);
  const runReceipt = await readJson(deps.files, repo, run_id, RUN_RECEIPT_FILE);
  const jobs = new Map<string, JobDetails>();
  const jobOf = (id: string) => {
    let job = jobs.get(id);
    if (!job) jobs.set(id, (job = { id, status: "waiting", reason: null, duration_ms: null, started_at: null, sh: [], messages: [] }));
    return job;
  };
  const order = runReceipt && typeof runReceipt.jobs === "object" && runReceipt.jobs !== null ? Object.keys(runReceipt.jobs) : [];
  for (const id of order) jobOf(id).status = String((runReceipt?.jobs as Json)[id]);
  const files = paths.map((path) => ({ path, file: parseRunFile(path) }));
  for (const { path, file } of files) {
    if (file.kind === "job-receipt") applyReceipt(jobOf(file.job), await readJson(deps.files, repo, run_id, path));
  }
  const logs = files
    .flatMap(({ path, file }) => (file.kind === "log" ? [{ path, job: file.job, n: file.n }] : []))
    .sort((a, b) => a.n - b.n);
  const running = run.state.status === "active" || run.state.status === "pending";
  for (const log of logs) {
    const job = jobOf(log.job);
    if (job.status === "waiting") job.status = running ? "running" : "unknown";
    let section = job.sh.find((s) => s.n === log.n);
    if (!section) {
      section = { n: log.n, cmd: null, exit: null, reason: null, started_at: null, duration_ms: null, lines: [], cut: false };
      job.sh.push(section);
    }
    const { text, cut } = await readHead(deps.logs, repo, run_id, log.path);
    // Whole lines only: a line still being written arrives over the live stream.
    const complete = text.subarray(0, text.lastIndexOf(0x0a) + 1);
    const render = logLineRenderer();
    const lines = complete.length === 0 ? [] : complete.toString("utf8").replace(/\n$/, "").split("\n");
    section.lines = lines.map(render);
    section.cut = cut;
    section.started_at ??= section.lines[0]?.time ?? null;
    cursor.set(logKey(log.job, log.n), { bytes: complete.length, lines: lines.length });
  }
  const live = deps.live?.get(run_id);
  if (live) applyLive(jobOf, live);
  for (const job of jobs.values()) {
    job.sh.sort((a, b) => a.n - b.n);
    job.started_at ??= job.sh[0]?.started_at ?? null;
  }
  const rank = (job: JobDetails) => {
    const i = order.indexOf(job.id);
    return i === -1 ? order.length : i;
  };
  const started = (job: JobDetails) => job.started_at ?? "~";
  const sorted = [...jobs.values()].sort(
    (a, b) => rank(a) - rank(b) || (started(a) < started(b) ? -1 : started(a) > started(b) ? 1 : a.id < b.id ? -1 : 1),
  );
  return { jobs: sorted, cursor: encodeCursor(cursor) };
}

/** A running run's events fill in what receipts will say at its end. */
function applyLive(jobOf: (id: string) => JobDetails, live: LiveRun): void {
  for (const [id, state] of live.jobs) {
    const job = jobOf(id);
    if (job.status !== "waiting" && job.status !== "running" && job.status !== "unknown") continue;
    job.status = state.status;
    job.reason = state.error;
    job.duration_ms = state.duration_ms;
    job.started_at ??= state.started_at;
  }
  for (const [key, call] of live.commands) {
    const slash = key.lastIndexOf("/");
    const section = jobOf(key.slice(0, slash)).sh.find((s) => s.n === Number(key.slice(slash + 1)));
    if (section && section.cmd === null) section.cmd = call.cmd;
  }
  for (const [id, messages] of live.messages) {
    const job = jobOf(id);
    if (job.messages.length === 0) job.messages.push(...messages);
  }
}

function applyReceipt(job: JobDetails, receipt: Json | undefined): void {
  if (!receipt) return;
  if (typeof receipt.state === "string") job.status = receipt.state;
  if (typeof receipt.error === "string") job.reason = receipt.error;
  if (typeof receipt.duration_ms === "number") job.duration_ms = receipt.duration_ms;
  const devlt = receipt.devlt as Json | undefined;
  if (typeof devlt?.started_at === "string") job.started_at = devlt.started_at;
  for (const sh of receiptSh(receipt)) job.sh.push({ ...sh, lines: [], cut: false });
  job.messages.push(...receiptMessages(receipt));
}

async function readJson(files: RunFiles, repo: RepoName, runId: string, path: string): Promise<Json | undefined> {
  // Bounded like the JSON API: a page is never built from an unbounded file.
  const read = await files.readBounded(repo, runId, path, MAX_RECEIPT_BYTES);
  if (read.kind !== "text") return undefined;
  try {
    const value: unknown = JSON.parse(read.text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

async function readHead(logs: LogReader | undefined, repo: RepoName, runId: string, path: string): Promise<{ text: Buffer; cut: boolean }> {
  const opened = await logs?.open(repo, runId, path, 0);
  if (!opened) return { text: Buffer.alloc(0), cut: false };
  const reader = opened.stream.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  let cut = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    size += value.byteLength;
    if (size > PAGE_LOG_BYTES) {
      cut = true;
      break;
    }
  }
  await reader.cancel().catch(() => undefined);
  const all = Buffer.concat(parts);
  return { text: cut ? all.subarray(0, PAGE_LOG_BYTES) : all, cut };
}
