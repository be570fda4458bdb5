/**
 * IPC between the server and the pipeline child (`process.send`, JSON serialisation).
 * Types only: the child bundle imports this file, and the server checks every message
 * from the child with child-messages.ts, because pipeline code can call `process.send` too.
 */
import type { FileData } from "../../core/ports/workspaces.ts";
import type { JobReturn, JobSpec, ShCall, ShResult } from "../../core/ports/pipeline-runtime.ts";
import type { Result } from "../../core/result.ts";

// ---------- child → server ----------

export interface LoadedMessage {
  type: "loaded";
  jobs: JobSpec[];
}

/** The pipeline module threw while it was imported (including a bad `job()` call). */
export interface LoadErrorMessage {
  type: "load-error";
  message: string;
}

/** What each primitive the child may call on the server takes. */
export interface CallArgs {
  sh: ShCall;
  secret: { name: string };
  log: { message: string };
  readFile: { path: string };
  writeFile: { path: string; data: FileData };
}

export type CallBody = { [M in keyof CallArgs]: { method: M; args: CallArgs[M] } }[keyof CallArgs];

/** A primitive the running job asks the server for; answered by a ReplyMessage with the same `call`. */
export type CallMessage = { type: "call"; run: number; call: number } & CallBody;

export interface DoneMessage {
  type: "done";
  run: number;
  result: JobReturn;
}

export type ChildMessage = LoadedMessage | LoadErrorMessage | CallMessage | DoneMessage;

// ---------- server → child ----------

/**
 * The child starts while esbuild still bundles; this tells it where the bundle is. Read
 * by the child's bootstrap (pipeline-child.ts), never by child-main.ts.
 */
export interface BundleMessage {
  type: "bundle";
  /** The workspace's path, for error texts: a child started before its workspace existed learns it here. */
  workspace?: string;
  /** file: URL of the bundle, inside the one directory the child may read. */
  url: string;
}

/**
 * Starts a job. `jobs(name)` is synchronous in the SDK, so the server resolves every name the
 * pipeline mentions up front (ancestors are finished by the time a job starts).
 */
export interface RunMessage {
  type: "run";
  run: number;
  job: string;
  visible: Record<string, Result<Record<string, unknown>, string>>;
}

/** What each method answers with. */
export interface CallResults {
  sh: ShResult;
  secret: string;
  log: null;
  readFile: string;
  writeFile: null;
}

export interface ReplyMessage {
  type: "reply";
  call: number;
  result: Result<CallResults[keyof CallResults], string>;
}

export type ServerMessage = BundleMessage | RunMessage | ReplyMessage;
