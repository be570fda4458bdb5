import { checkRefName } from "../names/ref-name.ts";
import { expandRef } from "./run-alias.ts";
import type { IndexQuery } from "../ports/run-index.ts";
import { parseRepoName } from "../names/repo-name.ts";
import { err, ok, type Result } from "../result.ts";
import { RUN_ID_PATTERN } from "../run/run-layout.ts";
import { OUTCOMES, RUN_STATES, type Outcome, type RunState } from "../types.ts";

export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 500;

export interface QueryError {
  code: "invalid_query" | "invalid_cursor" | "invalid_repo";
  message: string;
}

const CURSOR_PREFIX = "r1:";

/**
 * Cursors are opaque to clients so the paging key can change later; today it is the
 * last run id of the page, which stays valid however many runs arrive meanwhile.
 */
export function encodeCursor(runId: string): string {
  return btoa(CURSOR_PREFIX + runId).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

export function decodeCursor(cursor: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return undefined;
  let text: string;
  try {
    text = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    return undefined;
  }
  const runId = text.startsWith(CURSOR_PREFIX) ? text.slice(CURSOR_PREFIX.length) : "";
  return RUN_ID_PATTERN.test(runId) ? runId : undefined;
}

const bad = (code: QueryError["code"], message: string) => err<QueryError>({ code, message });

/** `GET /runs` query parameters, checked; unknown values are errors, not ignored filters. */
export function parseRunQuery(params: Record<string, string | undefined>): Result<IndexQuery, QueryError> {
  const query: IndexQuery = { limit: DEFAULT_LIST_LIMIT };
  const { repo, ref, status, outcome, limit, cursor } = params;
  if (repo !== undefined) {
    const name = parseRepoName(repo);
    if (!name.ok) return bad("invalid_repo", name.error.message);
    query.repo = name.value;
  }
  if (ref !== undefined) {
    const why = checkRefName(ref);
    if (why) return bad("invalid_query", `ref ${JSON.stringify(ref)}: ${why}`);
    query.refs = expandRef(ref);
  }
  if (status !== undefined) {
    if (!RUN_STATES.includes(status as RunState)) return bad("invalid_query", `status must be one of ${RUN_STATES.join(", ")}`);
    query.status = status as RunState;
  }
  if (outcome !== undefined) {
    if (!OUTCOMES.includes(outcome as Outcome)) return bad("invalid_query", `outcome must be one of ${OUTCOMES.join(", ")}`);
    query.outcome = outcome as Outcome;
  }
  if (limit !== undefined) {
    const n = Number(limit);
    if (!/^[0-9]{1,4}$/.test(limit) || n < 1 || n > MAX_LIST_LIMIT) {
      return bad("invalid_query", `limit must be an integer from 1 to ${MAX_LIST_LIMIT}`);
    }
    query.limit = n;
  }
  if (cursor !== undefined) {
    const before = decodeCursor(cursor);
    if (before === undefined) return bad("invalid_cursor", "cursor is not one this server handed out");
    query.before = before;
  }
  return ok(query);
}
