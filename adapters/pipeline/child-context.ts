/**
 * The `{ sh, jobs, secret, readFile, writeFile, log }` a job receives, inside the child.
 * Everything but the files crosses IPC to the server; files stay in the workspace, which
 * is also all the permission model lets this process touch.
 */
import { lstat, mkdir, readFile, realpath, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve, sep } from "node:path";
import type { ShCall, ShCallResult } from "../../core/exec-ports.ts";
import type { Result } from "../../core/result.ts";
import type { JobContext, PushOutputs, ShOptions, ShResult } from "../../sdk/ci.ts";
import type { CallArgs, CallResults, RunMessage } from "./protocol.ts";

/** Sends one call for this job and waits for its reply. */
export type CallServer = <M extends keyof CallArgs>(method: M, args: CallArgs[M]) => Promise<Result<CallResults[M], string>>;

export interface JobScope {
  context: JobContext;
  /** Later calls fail at once: the server no longer relays them for this job. */
  finish(): void;
}

export function createJobContext(run: RunMessage, workspace: string, callServer: CallServer): JobScope {
  let finished = false;
  const live = (what: string): void => {
    if (finished) throw new Error(`${what}: job "${run.job}" has already finished; await its calls before returning`);
  };

  const sh = async (cmd: string | string[], options: ShOptions = {}): Promise<ShResult> => {
    live("sh");
    const result = await callServer("sh", shCall(cmd, options));
    if (!result.ok) throw new Error(result.error);
    const value: ShCallResult = result.value;
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
      return readFile(await insideWorkspace(workspace, path, "readFile"), "utf8");
    },
    async writeFile(path, data) {
      const target = resolveRelative(workspace, path, "writeFile");
      // Check the deepest part that exists before mkdir or write can follow a symlink out.
      await confineExisting(workspace, target, path, "writeFile");
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, data);
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

function resolveRelative(workspace: string, path: string, what: string): string {
  if (typeof path !== "string" || path === "" || isAbsolute(path)) {
    throw new Error(`${what}: ${JSON.stringify(path)} must be a path relative to the workspace`);
  }
  const target = resolve(workspace, path);
  if (!isWithin(workspace, target)) throw new Error(`${what}: ${JSON.stringify(path)} escapes the workspace`);
  return target;
}

/** Also follows symlinks: the permission model checks only the path it is given. */
async function insideWorkspace(workspace: string, path: string, what: string): Promise<string> {
  const target = resolveRelative(workspace, path, what);
  const real = await realpath(target);
  if (!isWithin(workspace, real)) throw new Error(`${what}: ${JSON.stringify(path)} leads outside the workspace`);
  return real;
}

async function confineExisting(workspace: string, target: string, path: string, what: string): Promise<void> {
  for (let current = target; isWithin(workspace, current); current = dirname(current)) {
    const exists = await lstat(current).then(
      () => true,
      (error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? false : Promise.reject(error)),
    );
    if (!exists) continue;
    // A dangling symlink has no realpath, and writing through it would create its target.
    const real = await realpath(current).catch(() => undefined);
    if (real === undefined || !isWithin(workspace, real)) throw new Error(`${what}: ${JSON.stringify(path)} leads outside the workspace`);
    return;
  }
}

function isWithin(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}
