import { StorageError } from "../../core/errors.ts";
import { jobIdProblem, logPath, META_FILE, STATE_FILE } from "../../core/run/run-layout.ts";

/** Written by the run store alone; RunFiles may read them but never replace them. */
const RESERVED = new Set([META_FILE, STATE_FILE]);
const MAX_SEGMENT = 200;

const invalid = (what: string, value: string, rule: string): StorageError =>
  new StorageError("invalid_path", `${what} ${JSON.stringify(value)}: ${rule}`);

/**
 * One path segment that can never leave its directory or hide: hidden names are
 * reserved for temp files, which listings skip and sweep removes.
 */
function checkSegment(what: string, whole: string, segment: string): void {
  if (segment.length === 0) throw invalid(what, whole, "must not contain empty segments");
  if (segment === "." || segment === "..") throw invalid(what, whole, "must not contain '.' or '..'");
  if (segment.startsWith(".")) throw invalid(what, whole, "segments must not start with '.'");
  if (segment.length > MAX_SEGMENT) throw invalid(what, whole, `segments must be at most ${MAX_SEGMENT} characters`);
  // Control characters would make the path ambiguous in listings and logs.
  if (/[\\\u0000-\u001f\u007f]/.test(segment)) throw invalid(what, whole, "must not contain '\\' or control characters");
}

/** Segments of a run-relative path, checked so nothing escapes the run directory. */
export function relSegments(relPath: string): string[] {
  if (relPath.startsWith("/")) throw invalid("path", relPath, "must be relative to the run directory");
  const segments = relPath.split("/");
  for (const segment of segments) checkSegment("path", relPath, segment);
  return segments;
}

export function writableSegments(relPath: string): string[] {
  const segments = relSegments(relPath);
  if (segments.length === 1 && RESERVED.has(relPath)) throw invalid("path", relPath, "is written by the run store only");
  return segments;
}

/** The same rule validation applies (core/run/run-layout.ts), so a valid pipeline never fails here. */
export function checkJobId(job: string): void {
  const problem = jobIdProblem(job);
  if (problem !== undefined) throw invalid("job id", job, problem);
  checkSegment("job id", job, job);
}

/** The segments of `logPath` (core/run/run-layout.ts), each checked. */
export function logSegments(job: string, n: number): string[] {
  checkJobId(job);
  if (!Number.isSafeInteger(n) || n < 1) throw invalid("sh number", String(n), "must be a positive integer");
  return logPath(job, n).split("/");
}
