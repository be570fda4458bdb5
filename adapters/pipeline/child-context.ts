/**
 * The `{ sh, jobs, secret, readFile, writeFile, log }` a job receives, inside the child.
 * Everything crosses IPC to the server, files too: this process has no file access of its
 * own, since the permission model checks path strings and a symlink in the workspace
 * would lead it anywhere.
 */
import type { ShCall } from "../../core/ports/pipeline-runtime.ts";
import { TYPE_ERROR } from "../../core/pipeline/type-error.ts";
import type { Result } from "../../core/result.ts";
import type { JobContext, PushOutputs, ShOptions, ShResult } from "../../sdk/ci.ts";
import { fileDataOf, filePathOf } from "./file-data.ts";
import type { CallArgs, CallResults, RunMessage } from "./protocol.ts";

/** Sends one call for this job and waits for its reply. */
export type CallServer = <M extends keyof CallArgs>(method: M, args: CallArgs[M]) => Promise<Result<CallResults[M], string>>;

export interface JobScope {
  context: JobContext;
  /** Later calls fail at once: the server no longer relays them for this job. */
  finish(): void;
}

export function createJobContext(run: RunMessage, callServer: CallServer): JobScope {
  let finished = false;
  const live = (what: string): void => {
    if (finished) throw new Error(`${what}: job "${run.job}" has already finished; await its calls before returning`);
  };

  const sh = async (cmd: string | string[], options: ShOptions = {}): Promise<ShResult> => {
    live("sh");
    const result = await callServer("sh", shCall(cmd, options));
    if (!result.ok) throw result.error.startsWith(TYPE_ERROR) ? new TypeError(result.error.slice(TYPE_ERROR.length)) : new Error(result.error);
    const value: ShResult = result.value;
    if (value.exit !== 0 && options.nothrow !== true) {
      throw Object.assign(new Error(`sh ${JSON.stringify(value.cmd)} exited with ${value.exit}`), { result: value });
    }
    return value;
  };

  function jobs(name: "quire/push"): PushOutputs;
  function jobs(name: string): Record<string, unknown>;
  function jobs(name: string): unknown {
    const found = Object.hasOwn(run.visible, name) ? run.visible[name] : undefined;
    if (found === undefined) throw new Error(`jobs(${JSON.stringify(name)}): this pipeline has no job or source by that name`);
    if (!found.ok) throw new Error(found.error);
    return structuredClone(found.value);
  }

  const context: JobContext = {
    sh,
    jobs,
    async secret(name) {
      live("secret");
      const result = await callServer("secret", { name: String(name) });
      if (!result.ok) throw new Error(result.error);
      return result.value;
    },
    async log(message) {
      live("log");
      await callServer("log", { message: String(message) });
    },
    async readFile(path) {
      live("readFile");
      const result = await callServer("readFile", { path: filePathOf(path, "readFile") });
      if (!result.ok) throw new Error(result.error);
      return result.value;
    },
    async writeFile(path, data) {
      live("writeFile");
      const result = await callServer("writeFile", { path: filePathOf(path, "writeFile"), data: fileDataOf(data) });
      if (!result.ok) throw new Error(result.error);
    },
  };
  return { context, finish: () => void (finished = true) };
}

function shCall(cmd: string | string[], options: ShOptions): ShCall {
  const call: ShCall = { cmd };
  if (options.env !== undefined) call.env = options.env;
  if (options.cwd !== undefined) call.cwd = options.cwd;
  if (options.nothrow !== undefined) call.nothrow = options.nothrow;
  if (options.timeout !== undefined) call.timeout = options.timeout;
  return call;
}
