/**
 * Where everything of a run lives, as names: the run id and job id rules and every path
 * inside a run directory. Validation, storage, routes and the web view ask this module,
 * so a path is spelled once and an id storage would refuse never passes validation.
 * docs/architecture.md ("On disk") shows the whole tree.
 */
import type { RepoName, RunState } from "../types.ts";

/** Run ids are UUIDv7, lower-case: the directory name of a run and its id in every API. */
export const RUN_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// ---------- job ids ----------

/*
 * An id becomes a directory name under the run (`jobs/<id>/`), a URL segment and a label
 * in logs, so an id that storage would refuse can never pass validation and fail a run at its end.
 */
export const MAX_JOB_ID_LENGTH = 100;

// Control and format characters (bidi overrides among them) make names lie in listings.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** Why `id` is not a job id, or undefined when it is one. */
export function jobIdProblem(id: unknown): string | undefined {
  if (typeof id !== "string") return "must be a string";
  if (id.length === 0) return "must not be empty";
  if (id.length > MAX_JOB_ID_LENGTH) return `must be at most ${MAX_JOB_ID_LENGTH} characters`;
  if (id.includes("/")) return 'cannot contain "/" (that is for sources like quire/push)';
  if (id.includes("\\")) return 'cannot contain "\\"';
  if (id.startsWith(".")) return 'cannot start with "." (such names are hidden or mean a directory)';
  if (INVISIBLE.test(id)) return "cannot contain control or invisible formatting characters";
  if (id.trim() !== id) return "cannot start or end with whitespace";
  return undefined;
}

export const isJobId = (id: unknown): id is string => jobIdProblem(id) === undefined;

// ---------- paths ----------

/** `<repo>/<state>/<run-id>`, relative to `<home>/runs/`. */
export const runDirPath = (repo: RepoName, state: RunState, runId: string): string => `${repo}/${state}/${runId}`;

/** Written by the run store alone (immutable facts, then the state machine). */
export const META_FILE = "meta.yml";
export const STATE_FILE = "state.yml";
/** Docker lifecycle facts, written as each step happens. */
export const CONTAINER_FILE = "container.yml";
/** The run's receipt, written when it ends. */
export const RUN_RECEIPT_FILE = "receipt.json";

const JOB_RECEIPT = "receipt.json";
const LOG_NAME = /^sh-([0-9]+)\.log$/;

/** `jobs/<job>/sh-<n>.log`: the log of the job's n-th `sh` call. */
export const logPath = (job: string, n: number): string => `jobs/${job}/sh-${n}.log`;
/** `jobs/<job>/receipt.json`, written when the job ends. */
export const jobReceiptPath = (job: string): string => `jobs/${job}/${JOB_RECEIPT}`;

/** What a run-relative path is, for code that lists a run's files. */
export type RunFile = { kind: "log"; job: string; n: number } | { kind: "job-receipt"; job: string } | { kind: "other" };

export function parseRunFile(path: string): RunFile {
  const [top, job, name, ...rest] = path.split("/");
  if (top !== "jobs" || job === undefined || name === undefined || rest.length > 0 || !isJobId(job)) return { kind: "other" };
  if (name === JOB_RECEIPT) return { kind: "job-receipt", job };
  const n = LOG_NAME.exec(name)?.[1];
  return n === undefined ? { kind: "other" } : { kind: "log", job, n: Number(n) };
}
