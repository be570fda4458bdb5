/**
 * The one rule for job ids. An id becomes a directory name under the run (`jobs/<id>/`), a
 * URL segment and a label in logs, so validation, storage and routes all ask this function:
 * an id that storage would refuse can never pass validation and fail a run at its end.
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
