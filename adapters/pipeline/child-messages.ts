/**
 * Checks what the child sends. Pipeline code can call `process.send` itself, so a message is
 * untrusted input until it has the shape protocol.ts promises; copying field by field also
 * keeps stray properties from reaching the host.
 */
import type { FileData } from "../../core/ports/workspaces.ts";
import type { JobReturn, ShCall } from "../../core/ports/pipeline-runtime.ts";
import { err, ok, type Result } from "../../core/result.ts";
import type { ChildMessage } from "./protocol.ts";

type Json = Record<string, unknown>;

export function parseChildMessage(raw: unknown): Result<ChildMessage, string> {
  if (!isObject(raw) || typeof raw.type !== "string") return err("a message without a type");
  switch (raw.type) {
    case "loaded": {
      if (!Array.isArray(raw.jobs)) return err("a loaded message without jobs");
      const jobs = [];
      for (const spec of raw.jobs as unknown[]) {
        if (!isObject(spec) || typeof spec.id !== "string" || !isStringArray(spec.inputs)) return err("a loaded message with a malformed job");
        jobs.push({ id: spec.id, inputs: [...spec.inputs] });
      }
      return ok({ type: "loaded", jobs });
    }
    case "load-error":
      return typeof raw.message === "string" ? ok({ type: "load-error", message: raw.message }) : err("a load-error without a message");
    case "done": {
      const result = jobReturn(raw.result);
      return isCounter(raw.run) && result !== undefined ? ok({ type: "done", run: raw.run, result }) : err("a malformed done message");
    }
    case "call":
      return parseCall(raw);
    default:
      return err(`an unknown message type ${JSON.stringify(raw.type).slice(0, 40)}`);
  }
}

function parseCall(raw: Json): Result<ChildMessage, string> {
  if (!isCounter(raw.run) || !isCounter(raw.call) || !isObject(raw.args)) return err("a malformed call");
  const head = { type: "call" as const, run: raw.run, call: raw.call };
  const args = raw.args;
  switch (raw.method) {
    case "sh": {
      const call = shCall(args);
      return call === undefined ? err("a malformed sh call") : ok({ ...head, method: "sh", args: call });
    }
    case "secret":
      return typeof args.name === "string" ? ok({ ...head, method: "secret", args: { name: args.name } }) : err("a malformed secret call");
    case "log":
      return typeof args.message === "string" ? ok({ ...head, method: "log", args: { message: args.message } }) : err("a malformed log call");
    case "readFile":
      return typeof args.path === "string" ? ok({ ...head, method: "readFile", args: { path: args.path } }) : err("a malformed readFile call");
    case "writeFile": {
      const data = fileData(args.data);
      return typeof args.path === "string" && data !== undefined
        ? ok({ ...head, method: "writeFile", args: { path: args.path, data } })
        : err("a malformed writeFile call");
    }
    default:
      return err("a call to an unknown method");
  }
}

/** Shape only; core's planSh judges the values (empty command, cwd escaping, env names). */
function shCall(args: Json): ShCall | undefined {
  const cmd = args.cmd;
  if (typeof cmd !== "string" && !isStringArray(cmd)) return undefined;
  const call: ShCall = { cmd: typeof cmd === "string" ? cmd : [...cmd] };
  if (args.env !== undefined) {
    if (!isObject(args.env) || !Object.values(args.env).every((value) => typeof value === "string")) return undefined;
    call.env = { ...(args.env as Record<string, string>) };
  }
  if (args.cwd !== undefined) {
    if (typeof args.cwd !== "string") return undefined;
    call.cwd = args.cwd;
  }
  if (args.nothrow !== undefined) {
    if (typeof args.nothrow !== "boolean") return undefined;
    call.nothrow = args.nothrow;
  }
  if (args.timeout !== undefined) {
    if (typeof args.timeout !== "number") return undefined;
    call.timeout = args.timeout;
  }
  return call;
}

function fileData(raw: unknown): FileData | undefined {
  if (!isObject(raw) || typeof raw.data !== "string") return undefined;
  return raw.encoding === "utf8" || raw.encoding === "base64" ? { encoding: raw.encoding, data: raw.data } : undefined;
}

function jobReturn(raw: unknown): JobReturn | undefined {
  if (!isObject(raw)) return undefined;
  if (raw.kind === "skipped" && typeof raw.reason === "string") return { kind: "skipped", reason: raw.reason };
  if (raw.kind === "failed" && typeof raw.error === "string") return { kind: "failed", error: raw.error };
  if (raw.kind === "outputs" && isObject(raw.outputs)) return { kind: "outputs", outputs: raw.outputs };
  return undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

function isCounter(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0;
}
