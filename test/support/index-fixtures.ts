import { join } from "node:path";
import { FakeClock } from "../../adapters/clock/fake-clock.ts";
import { FakeIds } from "../../adapters/ids/fake-ids.ts";
import { FsRunIndex } from "../../adapters/index/fs-run-index.ts";
import { IndexedRunStore } from "../../adapters/index/indexed-run-store.ts";
import { MemoryRunIndex } from "../../adapters/index/memory-run-index.ts";
import { FsRunStore } from "../../adapters/storage/fs-run-store.ts";
import { MemoryRunStore } from "../../adapters/storage/memory-run-store.ts";
import type { RunStore } from "../../core/ports/storage.ts";
import { parseRepoName } from "../../core/names/repo-name.ts";
import type { RunIndex } from "../../core/ports/run-index.ts";
import { planTransition, type TransitionTarget } from "../../core/run/transition.ts";
import type { RunRecord } from "../../core/types.ts";
import { tempDir } from "./temp-dir.ts";
import { createPendingRun } from "./run-fixtures.ts";

/** A store wrapped in the index decorator, over memory or a temp dir, with helpers to make runs. */
export interface IndexRig {
  kind: "memory" | "fs" | "postgres";
  inner: RunStore;
  index: RunIndex;
  store: IndexedRunStore;
  clock: FakeClock;
  root?: string;
  run(repo: string, ref: string, sha: string): Promise<RunRecord>;
  move(run: RunRecord, target: TransitionTarget): Promise<RunRecord>;
}

export const sha = (hex: string): string => hex.padEnd(40, "0");

export async function makeRig(kind: "memory" | "fs"): Promise<IndexRig> {
  const clock = new FakeClock();
  const ids = new FakeIds();
  let inner: RunStore;
  let index: RunIndex;
  let root: string | undefined;
  if (kind === "memory") {
    inner = new MemoryRunStore();
    index = new MemoryRunIndex(inner);
  } else {
    root = join(await tempDir("quire-index-"), "runs");
    inner = new FsRunStore(root);
    index = new FsRunIndex(root);
  }
  return rigOver(kind, inner, index, clock, ids, root);
}

/** A rig over stores made elsewhere (the postgres suite makes its own). */
export function rigOver(
  kind: IndexRig["kind"],
  inner: RunStore,
  index: RunIndex,
  clock = new FakeClock(),
  ids = new FakeIds(),
  root?: string,
): IndexRig {
  const store = new IndexedRunStore(inner, index, clock);
  return {
    kind,
    inner,
    index,
    store,
    clock,
    ...(root === undefined ? {} : { root }),
    async run(repo, ref, newSha) {
      const name = parseRepoName(repo);
      if (!name.ok) throw new Error(name.error.message);
      clock.advance(1000);
      return createPendingRun(store, { repo: name.value, ref, sha: newSha, ids, clock });
    },
    async move(run, target) {
      clock.advance(1000);
      const next = planTransition(run, target, clock.now());
      if (!next.ok) throw new Error(next.error.message);
      const moved = await store.moveRun(run.meta.repo, run.meta.run_id, run.state.status, next.value);
      if (moved.kind !== "moved") throw new Error(`move failed: ${moved.kind}`);
      return moved.record;
    },
  };
}

export const lease = { owner: "test:1:a", expires_at: "2999-01-01T00:00:00.000Z" };
