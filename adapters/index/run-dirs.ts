import type { RunLocation } from "../../core/index/run-index-repair.ts";
import { RUN_ID_PATTERN } from "../../core/run/run-layout.ts";
import { RUN_STATES, type RunRecord } from "../../core/types.ts";
import type { FsLayout } from "../storage/fs-layout.ts";
import { readRunDirNow } from "../storage/run-files.ts";

/**
 * Every run directory by name only: one readdir per repo and state, no file reads,
 * so listing 100k runs costs a few hundred readdirs.
 */
export async function listRunDirs(layout: FsLayout): Promise<RunLocation[]> {
  const perRepo = await Promise.all(
    (await layout.repos()).map(async (repo) => {
      const found: RunLocation[] = [];
      // pending → active → terminal is the order runs move in, so a run moving while
      // we list is seen at least once.
      for (const status of RUN_STATES) {
        for (const run_id of await layout.runIds(repo, status)) {
          if (RUN_ID_PATTERN.test(run_id)) found.push({ run_id, repo, status });
        }
      }
      return found;
    }),
  );
  return perRepo.flat();
}

/** The run at `loc`, or undefined if it moved or vanished since it was listed. */
export async function readRunAt(layout: FsLayout, loc: RunLocation): Promise<RunRecord | undefined> {
  try {
    return readRunDirNow(layout.runDir(loc.repo, loc.status, loc.run_id), loc.status);
  } catch {
    return undefined;
  }
}

/** Maps with at most `limit` calls in flight; order of results follows `items`. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
