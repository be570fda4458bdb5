import { systemClock } from "../../adapters/clock/system-clock.ts";
import { uuidIds } from "../../adapters/ids/uuid-ids.ts";
import { draftRun } from "../../core/intake/create-run.ts";
import type { Clock, Ids } from "../../core/ports/clock-ids.ts";
import type { RunStore } from "../../core/ports/storage.ts";
import type { RepoName, RunDraft, RunRecord } from "../../core/types.ts";

export const ZERO_SHA = "0".repeat(40);
export const SHA_A = "a".repeat(40);

export interface PendingRunOptions {
  repo?: string;
  ref?: string;
  sha?: string;
  oldSha?: string;
  pipeline?: string;
  /** Default: the clock's now. */
  pushedAt?: string;
  /** A run id fixed by the test; otherwise `ids` makes one. */
  runId?: string;
  clock?: Clock;
  ids?: Ids;
}

/**
 * The draft of a pending run as intake makes one for a push (demo.git, main, sha aaa…, the
 * system clock and uuid ids unless told otherwise). The repo name is taken as given: tests
 * of bad names need to make them.
 */
export function pendingDraft(options: PendingRunOptions = {}): RunDraft {
  const update = { ref: options.ref ?? "refs/heads/main", old_sha: options.oldSha ?? ZERO_SHA, new_sha: options.sha ?? SHA_A };
  const clock = options.clock ?? systemClock;
  return draftRun(
    {
      ...(options.runId === undefined ? {} : { run_id: options.runId }),
      repo: (options.repo ?? "demo.git") as RepoName,
      update,
      pushed_at: options.pushedAt ?? clock.now(),
      pipeline: options.pipeline ?? ".quire/ci.ts",
    },
    options.ids ?? uuidIds,
    clock,
  );
}

/** A pending run created in `store`, numbered by it. */
export function createPendingRun(store: Pick<RunStore, "createRun">, options: PendingRunOptions = {}): Promise<RunRecord> {
  return store.createRun(pendingDraft(options));
}
