/**
 * Messages between the server and the spawn helper inside a host run's sandbox, over the
 * helper's IPC channel (advanced serialization, so output chunks travel as bytes). Jobs
 * share the sandbox with the helper, so the server treats what arrives as untrusted input.
 */
import type { ExecResult, StreamName } from "../../core/ports/exec.ts";

export type ToHelper =
  | {
      type: "exec";
      id: number;
      argv: string[];
      /** Absolute, already checked by the server; the workspace has the same path inside. */
      cwd: string;
      env: Record<string, string>;
      timeoutMs: number | null;
      graceMs: number;
      drainIdleMs: number;
    }
  | { type: "cancel"; id: number }
  /** The server's sink took the oldest unacknowledged chunk: with under a window in flight the helper reads on (backpressure). */
  | { type: "ack"; id: number };

export type FromHelper =
  /** Privileges dropped, listening: the sandbox is usable. */
  | { type: "ready" }
  | { type: "output"; id: number; stream: StreamName; chunk: Uint8Array }
  | ({ type: "done"; id: number } & ExecResult)
  /** The helper could not run the command for a reason of its own (not the command's exit). */
  | { type: "failed"; id: number; message: string };

const REASONS: readonly ExecResult["reason"][] = ["exited", "timed-out", "cancelled"];
const STREAMS: readonly StreamName[] = ["stdout", "stderr"];
/** Far above the pipe chunks the helper forwards (64 KiB), far below what could hurt the server. */
const MAX_CHUNK_BYTES = 1024 * 1024;
const MAX_MESSAGE_CHARS = 4096;

const isId = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/** A well-formed helper message, or undefined for anything else. */
export function parseFromHelper(value: unknown): FromHelper | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const message = value as Record<string, unknown>;
  switch (message.type) {
    case "ready":
      return { type: "ready" };
    case "output": {
      const { id, stream, chunk } = message;
      if (!isId(id) || !STREAMS.includes(stream as StreamName) || !(chunk instanceof Uint8Array) || chunk.byteLength > MAX_CHUNK_BYTES) return undefined;
      return { type: "output", id, stream: stream as StreamName, chunk };
    }
    case "done": {
      const { id, exit, reason, duration_ms } = message;
      if (!isId(id) || !isCount(exit) || exit > 255 || !REASONS.includes(reason as ExecResult["reason"]) || !isCount(duration_ms)) return undefined;
      return { type: "done", id, exit, reason: reason as ExecResult["reason"], duration_ms };
    }
    case "failed": {
      const { id, message: text } = message;
      if (!isId(id) || typeof text !== "string") return undefined;
      return { type: "failed", id, message: text.slice(0, MAX_MESSAGE_CHARS) };
    }
    default:
      return undefined;
  }
}

/** A well-formed server message (the helper's side of the same check). */
export function parseToHelper(value: unknown): ToHelper | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const message = value as Record<string, unknown>;
  if ((message.type === "cancel" || message.type === "ack") && isId(message.id)) return { type: message.type, id: message.id };
  if (message.type !== "exec") return undefined;
  const { id, argv, cwd, env, timeoutMs, graceMs, drainIdleMs } = message;
  const strings = (list: unknown): list is string[] => Array.isArray(list) && list.every((item) => typeof item === "string");
  const envOk = typeof env === "object" && env !== null && Object.values(env).every((item) => typeof item === "string");
  if (!isId(id) || !strings(argv) || typeof cwd !== "string" || !envOk || !isCount(graceMs) || !isCount(drainIdleMs)) return undefined;
  if (timeoutMs !== null && !isCount(timeoutMs)) return undefined;
  return { type: "exec", id, argv, cwd, env: env as Record<string, string>, timeoutMs, graceMs, drainIdleMs };
}
