import { checkRefName, MAX_REF_LENGTH } from "../names/ref-name.ts";
import { parseRepoName } from "../names/repo-name.ts";
import { err, ok, type Result } from "../result.ts";
import { RUN_ID_PATTERN } from "../run/run-layout.ts";
import type { RepoName } from "../types.ts";

/**
 * The ways people name a run. Parsing is pure and total: whatever is not one of these
 * forms is `invalid` before any lookup, so hostile input never reaches storage.
 */
export type RunAlias =
  | { kind: "id"; id: string }
  | { kind: "number"; repo: RepoName; number: number }
  | { kind: "sha"; prefix: string }
  /** `refs` lists the full refs a short name may mean, most specific first. */
  | { kind: "ref"; repo: RepoName; ref: string; refs: string[] };

export interface AliasError {
  code: "invalid_run_ref";
  message: string;
}

export const MIN_SHA_PREFIX = 7;
// A repo name (at most 200 characters), the separator and any ref a push may bring.
const MAX_ALIAS_LENGTH = 201 + MAX_REF_LENGTH;
const SHA_PREFIX = /^[0-9a-f]{7,40}$/i;
const RUN_NUMBER = /^[1-9][0-9]{0,14}$/;

const invalid = (input: string, why: string): Result<RunAlias, AliasError> =>
  err({ code: "invalid_run_ref", message: `${JSON.stringify(input.slice(0, 80))} ${why}` });

const FORMS = "expected a run id, <repo>#<number>, a commit sha (7+ hex) or <repo>@<ref>";

export function parseRunAlias(input: string): Result<RunAlias, AliasError> {
  if (input.length === 0) return invalid(input, `is empty; ${FORMS}`);
  if (input.length > MAX_ALIAS_LENGTH) return invalid(input, `is longer than ${MAX_ALIAS_LENGTH} characters`);
  if (RUN_ID_PATTERN.test(input)) return ok({ kind: "id", id: input });
  if (SHA_PREFIX.test(input)) return ok({ kind: "sha", prefix: input.toLowerCase() });
  // Repo names never contain '#' or '@', so the first one splits the alias unambiguously.
  const split = /[#@]/.exec(input);
  if (!split) return invalid(input, `is not a run reference; ${FORMS}`);
  const repo = parseRepoName(input.slice(0, split.index));
  if (!repo.ok) return invalid(input, `names no valid repo: ${repo.error.message}`);
  const rest = input.slice(split.index + 1);
  if (split[0] === "#") {
    if (!RUN_NUMBER.test(rest) || !Number.isSafeInteger(Number(rest))) {
      return invalid(input, "needs a run number (1, 2, …) after '#'");
    }
    return ok({ kind: "number", repo: repo.value, number: Number(rest) });
  }
  const refError = checkRefName(rest);
  if (refError) return invalid(input, `has a bad ref after '@': ${refError}`);
  return ok({ kind: "ref", repo: repo.value, ref: rest, refs: expandRef(rest) });
}

/** `main` may be a branch or a tag; `refs/…` means exactly itself. */
export function expandRef(ref: string): string[] {
  return ref.startsWith("refs/") ? [ref] : [`refs/heads/${ref}`, `refs/tags/${ref}`];
}

/** The short form people type, `<repo>#<number>`. */
export const runAlias = (repo: string, number: number): string => `${repo}#${number}`;
