/**
 * Ports for running pipelines: the sandboxed pipeline runtime, the executor that runs
 * `sh` commands (host or docker), per-run files (logs, receipts), workspaces and secrets.
 */
import type { Result } from "./result.ts";
import type { RepoName } from "./types.ts";

export type StreamName = "stdout" | "stderr";

// ---------- executor ----------

export interface ExecRequest {
  /** Already resolved: a string cmd arrives here as ["sh", "-ec", cmd]. */
  argv: string[];
  /** The whole environment of the command; nothing of the server's own is added. */
  env: Record<string, string>;
  /** Workspace-relative, already checked not to escape ("." for the root). */
  cwd: string;
  timeoutMs: number | null;
  /** Aborted on cancel or supersede: the whole process tree must die. */
  signal: AbortSignal;
}

export interface ExecResult {
  exit: number;
  duration_ms: number;
  /** How the command ended; anything but "exited" means it was killed. */
  reason: "exited" | "timed-out" | "cancelled";
}

/** Receives output as it arrives; the executor awaits each write (backpressure). */
export interface OutputSink {
  write(stream: StreamName, chunk: Uint8Array): Promise<void>;
}

export interface ExecSession {
  exec(request: ExecRequest, sink: OutputSink): Promise<ExecResult>;
  /** Tears everything down; safe to call twice and after failures. */
  close(): Promise<void>;
}

export interface ExecContext {
  runId: string;
  repo: RepoName;
  /** Host path of the run's workspace. */
  workspace: string;
  /** Records lifecycle facts (container.yml for docker) as each step happens. */
  record?: (facts: Record<string, string>) => Promise<void>;
  /** Told about every process group a host command starts, so a crash leaves none behind. */
  processes?: ProcessTracker;
}

export interface ProcessTracker {
  started(pgid: number): Promise<void>;
  ended(pgid: number): Promise<void>;
}

export interface ExecOpenError {
  code: "image_build_failed" | "container_start_failed" | "no_image" | "executor_unavailable";
  message: string;
}

export interface Executor {
  readonly kind: string;
  open(context: ExecContext): Promise<Result<ExecSession, ExecOpenError>>;
}

// ---------- logs and run files ----------

export interface Redactor {
  /** Replaces every secret value (and every line of a multi-line one) by `{{ name }}`. */
  redact(text: string): { text: string; count: number };
  /** The longest value it hides; streaming code keeps this much back before a split. */
  readonly maxLength: number;
  /**
   * The same redaction over byte strings: text whose every character is one byte of UTF-8
   * output (a latin1 reading of the bytes). The log path redacts bytes this way without
   * decoding them; `maxLength` is the same, in bytes.
   */
  readonly bytes: Pick<Redactor, "redact" | "maxLength">;
}

export interface LogSummary {
  bytes: number;
  lines: number;
  redactions: number;
  capped: boolean;
  /** Redacted output for the pipeline's `sh` result, cut at a capture cap. */
  stdout: string;
  stderr: string;
  truncated: boolean;
}

/** One `sh` call's log: CRI lines `<RFC3339> <stream> F <line>`, redacted, capped. */
export interface LogWriter extends OutputSink {
  /** A line from quire itself (e.g. "log cap reached"), written to stderr stream. */
  note(line: string): Promise<void>;
  close(): Promise<LogSummary>;
}

export interface LogOptions {
  redactor: Redactor;
  capBytes: number;
  captureBytes: number;
}

export type BoundedRead = { kind: "text"; text: string } | { kind: "missing" } | { kind: "too-large"; bytes: number };

/** Files inside a run's directory, wherever its state has moved it. */
export interface RunFiles {
  openLog(repo: RepoName, runId: string, job: string, n: number, options: LogOptions): Promise<LogWriter>;
  /** Atomic write of a file relative to the run dir (receipts, container.yml). */
  writeFile(repo: RepoName, runId: string, relPath: string, content: string): Promise<void>;
  readFile(repo: RepoName, runId: string, relPath: string): Promise<string | undefined>;
  /** Reads a file only when it holds at most `maxBytes`, so nothing served is built from an unbounded file. */
  readBounded(repo: RepoName, runId: string, relPath: string, maxBytes: number): Promise<BoundedRead>;
  /** Relative paths of files under the run dir (e.g. "jobs/test/sh-1.log"). */
  listFiles(repo: RepoName, runId: string): Promise<string[]>;
}

/** Streams a run file from a byte offset, for log downloads and live tails. */
export interface LogReader {
  /** undefined when the run or the file does not exist. */
  open(repo: RepoName, runId: string, relPath: string, offset: number): Promise<{ size: number; stream: ReadableStream<Uint8Array> } | undefined>;
}

// ---------- workspaces ----------

export interface Workspaces {
  /** `git archive <sha> | tar -x` into a fresh directory for this run. */
  materialize(repo: RepoName, sha: string, runId: string): Promise<Result<string, { message: string }>>;
  remove(runId: string): Promise<void>;
}

// ---------- workspace files ----------

/**
 * File content as it crosses IPC: UTF-8 text as is, any other bytes base64-encoded
 * (JSON, the IPC serialisation, cannot carry a Uint8Array).
 */
export type FileData = { encoding: "utf8"; data: string } | { encoding: "base64"; data: string };

/**
 * The files of a run's workspace as pipeline code sees them (`readFile`, `writeFile`). The
 * sandboxed child has no file access of its own, so these run in the server and must stay
 * inside the workspace, symlinks included. Paths are workspace-relative.
 */
export interface WorkspaceFiles {
  /** UTF-8 content; err says why not (missing, not a file, outside the workspace, too big). */
  read(workspace: string, path: string): Promise<Result<string, string>>;
  /** Creates or replaces the file, creating parent directories. */
  write(workspace: string, path: string, data: FileData): Promise<Result<null, string>>;
}

// ---------- secrets ----------

export interface SecretSource {
  /** All secrets configured for the server, resolved; unresolvable ones carry their error. */
  resolveAll(): Promise<Map<string, Result<string, string>>>;
}

// ---------- pipeline runtime (the sandboxed child) ----------

export interface JobSpec {
  id: string;
  inputs: string[];
}

export type JobReturn =
  | { kind: "outputs"; outputs: Record<string, unknown> }
  | { kind: "skipped"; reason: string }
  | { kind: "failed"; error: string };

export interface ShCall {
  cmd: string | string[];
  env?: Record<string, string>;
  cwd?: string;
  nothrow?: boolean;
  timeout?: number;
}

export interface ShCallResult {
  exit: number;
  stdout: string;
  stderr: string;
  cmd: string;
  duration_ms: number;
}

/** What a running job may ask of the server; the runtime relays the child's IPC calls here. */
export interface PipelineHost {
  sh(call: ShCall): Promise<Result<ShCallResult, string>>;
  secret(name: string): Promise<Result<string, string>>;
  jobs(name: string): Result<Record<string, unknown>, string>;
  log(message: string): Promise<void>;
  /** A workspace-relative file as UTF-8; err when it is missing or leads outside the workspace. */
  readFile(path: string): Promise<Result<string, string>>;
  writeFile(path: string, data: FileData): Promise<Result<null, string>>;
}

export interface PipelineSession {
  readonly jobs: JobSpec[];
  runJob(id: string, host: PipelineHost): Promise<JobReturn>;
  close(): Promise<void>;
}

export interface PipelineLimits {
  memoryMb: number;
  wallClockMs: number;
}

export type LoadResult = { kind: "loaded"; session: PipelineSession } | { kind: "error"; message: string };

export interface PipelineLoadInput {
  workspace: string;
  pipelinePath: string;
  limits: PipelineLimits;
  signal: AbortSignal;
  /** Told about the sandbox's process group, so a SIGKILLed server leaves no pipeline running. */
  processes?: ProcessTracker;
}

export interface PipelineRuntime {
  load(input: PipelineLoadInput): Promise<LoadResult>;
}
