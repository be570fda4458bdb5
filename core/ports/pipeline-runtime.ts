/** The sandboxed child that loads a pipeline and runs its jobs, relaying their calls to the server. */
import type { Result } from "../result.ts";
import type { ProcessTracker } from "./exec.ts";
import type { FileData } from "./workspaces.ts";
import type { ShResult } from "../../sdk/ci.ts";

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

// What `sh` resolves to in the pipeline is exactly what crosses IPC: one type, declared in the SDK
// (sdk/ci.ts stands alone, since its declarations ship as quire-ci.d.ts).
export type { ShResult } from "../../sdk/ci.ts";

/** What a running job may ask of the server; the runtime relays the child's IPC calls here. */
export interface PipelineHost {
  sh(call: ShCall): Promise<Result<ShResult, string>>;
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

/** What a runtime can begin before the workspace exists. */
export type PipelineStartInput = Omit<PipelineLoadInput, "workspace" | "pipelinePath">;

/** A runtime begun ahead of its workspace: load it once, or abandon it. */
export interface PipelineStart {
  load(input: Pick<PipelineLoadInput, "workspace" | "pipelinePath">): Promise<LoadResult>;
  /** Ends what start began when no load will come; after a load, nothing. */
  abandon(): Promise<void>;
}

export interface PipelineRuntime {
  load(input: PipelineLoadInput): Promise<LoadResult>;
  /**
   * Begins what needs no workspace (the sandboxed child's start) while the workspace is
   * being made, so a run's pipeline is not waiting on both one after the other.
   */
  start(input: PipelineStartInput): PipelineStart;
}
