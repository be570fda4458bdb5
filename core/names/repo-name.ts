import { err, ok, type Result } from "../result.ts";
import type { RepoName } from "../types.ts";

export interface RepoNameError {
  code: "invalid_repo";
  message: string;
}

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const MAX_LENGTH = 200;

const fail = (name: string, rule: string): Result<RepoName, RepoNameError> =>
  err({ code: "invalid_repo", message: `repo name ${JSON.stringify(name)}: ${rule}` });

/**
 * Checks a repo name before it is ever joined to a path. Each rule has its own
 * message so a user knows what to fix.
 */
export function parseRepoName(input: unknown): Result<RepoName, RepoNameError> {
  if (typeof input !== "string") return fail(String(input), "must be a string");
  const name = input;
  if (name.length === 0) return fail(name, "must not be empty");
  if (name.length > MAX_LENGTH) return fail(name.slice(0, 40) + "…", `must be at most ${MAX_LENGTH} characters`);
  if (name.includes("\0")) return fail(name, "must not contain NUL");
  if (name.includes("\\")) return fail(name, "must not contain a backslash");
  if (name.startsWith("/")) return fail(name, "must be relative, not an absolute path");
  if (name.includes("%")) return fail(name, "must not contain percent-encoding");
  const segments = name.split("/");
  if (segments.length > 2) return fail(name, "allows at most one level of grouping (group/name.git)");
  for (const segment of segments) {
    if (segment === "") return fail(name, "must not contain empty segments");
    if (segment === "." || segment === "..") return fail(name, "must not contain '.' or '..' segments");
    if (segment.startsWith(".")) return fail(name, "segments must not start with '.'");
    if (!SEGMENT.test(segment)) return fail(name, "segments may only use letters, digits, '.', '_' and '-'");
  }
  const last = segments[segments.length - 1] ?? "";
  if (!last.endsWith(".git") || last === ".git") return fail(name, "must end in '.git' (e.g. foo.git)");
  if (segments.length === 2 && segments[0]?.endsWith(".git")) {
    return fail(name, "the group must not itself end in '.git'");
  }
  return ok(name as RepoName);
}
