import type { RepoName } from "../types.ts";

/** Every image quire builds lives under this repository prefix, so gc can find them all. */
export const IMAGE_PREFIX = "quire-ci/";

const MAX_SEGMENT = 100;

/**
 * A repo name as one Docker repository path component. Docker allows `[a-z0-9]` runs
 * joined by a single `.`, `_`, `__` or any number of `-`, so anything else becomes `-`,
 * mixed separator runs collapse to `-`, and separators never lead or trail.
 */
export function repoSegment(repo: RepoName | string): string {
  const segment = repo
    .toLowerCase()
    .replace(/[^a-z0-9._-]/g, "-")
    .replace(/[._-]{2,}/g, (run) => (/^-+$/.test(run) ? run : "-"))
    .slice(0, MAX_SEGMENT)
    .replace(/^[._-]+|[._-]+$/g, "");
  return segment === "" ? "repo" : segment;
}

/** Tags stay within Docker's `[A-Za-z0-9_.-]{1,128}`, not starting with `.` or `-`. */
function tagOf(runId: string): string {
  const tag = runId.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 128).replace(/^[.-]+/, "");
  return tag === "" ? "run" : tag;
}

/** `quire-ci/<repo-segment>:<run-id>`: one image per run, named after its repo. */
export function imageTag(repo: RepoName | string, runId: string): string {
  return `${IMAGE_PREFIX}${repoSegment(repo)}:${tagOf(runId)}`;
}
