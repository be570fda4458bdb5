/** The executor port: runs `sh` commands of a run, on the host or in docker. */
import type { Result } from "../result.ts";
import type { RepoName } from "../types.ts";

export type StreamName = "stdout" | "stderr";

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
