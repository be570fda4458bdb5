/**
 * `quire/ci`: what a pipeline (`.quire/ci.ts`) imports. The pipeline calls `job()` at its top
 * level; quire bundles it with its local imports and evaluates it in a sandboxed Node process
 * (no file access of its own, no child processes, capped memory and time), whose working
 * directory is the workspace root. Commands run through `sh`, on the server's executor, and
 * files through `readFile`/`writeFile`, which the server keeps inside the workspace.
 * Nothing in this file touches the disk or the network, so editors can load it anywhere.
 */

/** Options of one `sh` call. */
export interface ShOptions {
  /** The whole environment of the command; nothing of the server's own is added. */
  env?: Record<string, string>;
  /** Workspace-relative working directory (default: the workspace root). */
  cwd?: string;
  /** Resolve with the result instead of rejecting when the command exits non-zero. */
  nothrow?: boolean;
  /** Kill the command after this many milliseconds. */
  timeout?: number;
}

export interface ShResult {
  exit: number;
  stdout: string;
  stderr: string;
  /** The command as logged, with secrets redacted. */
  cmd: string;
  duration_ms: number;
}

/** Outputs of the `quire/push` source. */
export interface PushOutputs {
  sha: string;
  ref: string;
  /** `main` for `refs/heads/main`; null for tags and other refs. */
  branch: string | null;
  /** `v1` for `refs/tags/v1`; null otherwise. */
  tag: string | null;
  old_sha: string;
  pushed_at: string;
  repo: string;
}

export type JobOutputs = Record<string, unknown>;

export interface JobContext {
  /**
   * Runs a command: a string under `sh -ec` (the first failing command fails it), an array as
   * argv. Rejects on a non-zero exit unless `nothrow`.
   */
  sh(cmd: string | string[], options?: ShOptions): Promise<ShResult>;
  /** Outputs of a source or an ancestor job; throws for anything else. */
  jobs(name: "quire/push"): PushOutputs;
  jobs(name: string): JobOutputs;
  /** A secret from the server's configuration; rejects when it is unknown or unresolvable. */
  secret(name: string): Promise<string>;
  /**
   * Reads a workspace-relative file as UTF-8. Rejects for a missing file and for a path that
   * leads outside the workspace, through `..` or a symlink. `node:fs` is denied in the sandbox.
   */
  readFile(path: string): Promise<string>;
  /** Writes (replaces) a workspace-relative file, creating parent directories; same confinement. */
  writeFile(path: string, data: string | Uint8Array): Promise<void>;
  /** A line in the job's log. */
  log(message: string): Promise<void>;
}

/** What `skip(reason)` returns; a job that returns it is recorded as skipped with the reason. */
export interface Skip {
  readonly [SKIP]: true;
  readonly reason: string;
}

// A registered symbol, so a marker made by another copy of this module is still recognised.
const SKIP: unique symbol = Symbol.for("quire.ci.skip") as never;

/**
 * Marks the job skipped: `return skip("deploys run on main only")`. The reason is recorded and
 * shown; jobs that depend on a skipped job are skipped too.
 */
export function skip(reason: string): Skip {
  return Object.freeze({ [SKIP]: true as const, reason: String(reason) });
}

/** Whether a job's return value is a `skip(reason)` marker. */
export function isSkip(value: unknown): value is Skip {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[SKIP] === true;
}

/**
 * A job's body. Returning normally means it succeeded: a plain JSON object becomes its outputs,
 * nothing means no outputs. `return skip(reason)` skips it; a throw fails it.
 */
export type JobRun = (context: JobContext) => JobOutputs | Skip | void | Promise<JobOutputs | Skip | void>;

export interface JobDefinition {
  id: string;
  inputs: string[];
  run: JobRun;
}

const registered: JobDefinition[] = [];
let sealed = false;

/** Declares a job: `inputs` are job ids or sources such as `quire/push`. */
export function job(id: string, inputs: string[], run: JobRun): void {
  if (sealed) throw new Error(`job(${JSON.stringify(id)}): jobs must be declared at the top level of the pipeline`);
  if (typeof id !== "string") throw new TypeError(`job(): the id must be a string, got ${describe(id)}`);
  if (!Array.isArray(inputs) || !inputs.every((input) => typeof input === "string")) {
    throw new TypeError(`job(${JSON.stringify(id)}): inputs must be an array of strings, got ${describe(inputs)}`);
  }
  if (typeof run !== "function") {
    throw new TypeError(`job(${JSON.stringify(id)}): the run argument must be a function, got ${describe(run)}`);
  }
  registered.push({ id, inputs: [...inputs], run });
}

/**
 * For the quire runner: the jobs declared so far. Later `job()` calls throw, because the
 * server has already been told which jobs exist.
 */
export function sealJobs(): readonly JobDefinition[] {
  sealed = true;
  return registered;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array with non-string items";
  return typeof value;
}
