import type { ShCall } from "../ports/pipeline-runtime.ts";
import { err, ok, type Result } from "../result.ts";
import { TYPE_ERROR } from "./type-error.ts";

export interface ShPlan {
  argv: string[];
  /** How the command is shown in logs and receipts (before redaction). */
  display: string;
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number | null;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Checks an `sh` call from the pipeline before anything runs: a string runs under
 * `sh -ec`, an array as argv; cwd stays inside the workspace.
 */
export function planSh(call: ShCall, limits: { maxTimeoutMs: number }): Result<ShPlan, string> {
  let argv: string[];
  if (typeof call.cmd === "string") {
    if (call.cmd.trim() === "") return err("sh: the command is empty");
    // -e: a failing command fails the script, as CI users expect from step scripts.
    argv = ["sh", "-ec", call.cmd];
  } else if (Array.isArray(call.cmd) && call.cmd.length > 0 && call.cmd.every((a) => typeof a === "string")) {
    argv = [...call.cmd];
  } else {
    return err("sh: cmd must be a non-empty string or an array of strings");
  }
  if (argv.some((a) => a.includes("\0"))) return err("sh: arguments cannot contain NUL");
  const cwd = workspaceRelative(call.cwd ?? ".");
  if (!cwd.ok) return cwd;
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(call.env ?? {})) {
    if (!ENV_NAME.test(name)) return err(`sh: invalid environment variable name ${JSON.stringify(name)}`);
    if (typeof value !== "string") return err(`sh: environment variable ${name} must be a string`);
    env[name] = value;
  }
  const timeout = call.timeout;
  if (timeout !== undefined && (!Number.isSafeInteger(timeout) || timeout <= 0 || timeout > limits.maxTimeoutMs)) {
    return err(
      `${TYPE_ERROR}sh: timeout must be a whole number of milliseconds from 1 to the run's timeout (${limits.maxTimeoutMs}); got ${String(timeout).slice(0, 40)}`,
    );
  }
  const display = typeof call.cmd === "string" ? call.cmd : argv.map(quoteArg).join(" ");
  return ok({ argv, display, cwd: cwd.value, env, timeoutMs: timeout ?? null });
}

/** Normalises a workspace-relative path; `..` past the root or an absolute path is refused. */
export function workspaceRelative(path: string): Result<string, string> {
  if (typeof path !== "string") return err("path must be a string");
  if (path.startsWith("/")) return err(`path ${JSON.stringify(path)} must be relative to the workspace`);
  if (path.includes("\0") || path.includes("\\")) return err(`path ${JSON.stringify(path)} has forbidden characters`);
  const parts: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (parts.length === 0) return err(`path ${JSON.stringify(path)} escapes the workspace`);
      parts.pop();
      continue;
    }
    parts.push(segment);
  }
  return ok(parts.length === 0 ? "." : parts.join("/"));
}

const quoteArg = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`);
