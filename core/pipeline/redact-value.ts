import type { Redactor } from "../ports/run-files.ts";

/** Redacts every string inside a JSON-like value (job outputs, error messages). */
export function redactValue<T>(value: T, redactor: Redactor): T {
  if (typeof value === "string") return redactor.redact(value).text as T;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, redactor)) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [redactor.redact(k).text, redactValue(v, redactor)]),
    ) as T;
  }
  return value;
}
