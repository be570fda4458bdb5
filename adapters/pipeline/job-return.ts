/**
 * Turns what a job's run function returned (or threw) into a JobReturn. Runs in the child:
 * outputs cross IPC as JSON and end up in receipts, so anything JSON would silently mangle
 * (a Date, a Map, NaN, a class instance) fails the job with a message instead.
 */
import type { JobReturn } from "../../core/ports/pipeline-runtime.ts";
import { isSkip } from "../../sdk/ci.ts";

export function jobReturnOf(job: string, value: unknown): JobReturn {
  // Returning nothing is how most jobs end: they ran their commands and succeeded.
  if (value === undefined || value === null) return { kind: "outputs", outputs: {} };
  if (isSkip(value)) return { kind: "skipped", reason: value.reason };
  const problem = isPlainObject(value) ? jsonProblem(value, "outputs", new Set()) : `it returned ${describe(value)}`;
  if (problem !== undefined) {
    return {
      kind: "failed",
      error: `job "${job}": ${problem}; return a plain JSON object for outputs, nothing for none, or skip(reason)`,
    };
  }
  return { kind: "outputs", outputs: JSON.parse(JSON.stringify(value)) as Record<string, unknown> };
}

function jsonProblem(value: unknown, path: string, seen: Set<object>): string | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? undefined : `${path} is ${value}, which JSON cannot hold`;
  if (typeof value !== "object") return `${path} is ${describe(value)}, which JSON cannot hold`;
  if (seen.has(value)) return `${path} refers back to itself`;
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) {
        const problem = item === undefined ? `${path}[${index}] is undefined` : jsonProblem(item, `${path}[${index}]`, seen);
        if (problem !== undefined) return problem;
      }
      return undefined;
    }
    if (!isPlainObject(value)) return `${path} is ${describe(value)}, not a plain object`;
    for (const [key, item] of Object.entries(value)) {
      // JSON drops undefined properties, and so do outputs: `{ url: maybeUrl }` is fine.
      if (item === undefined) continue;
      const problem = jsonProblem(item, `${path}.${key}`, seen);
      if (problem !== undefined) return problem;
    }
    return undefined;
  } finally {
    seen.delete(value);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return `a ${value.constructor?.name ?? "object"}`;
  if (typeof value === "function") return "a function";
  if (typeof value === "string") return "a string";
  return `${typeof value} ${String(value)}`;
}
