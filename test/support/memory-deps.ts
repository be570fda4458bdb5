import { FakeClock } from "../../adapters/clock/fake-clock.ts";
import { FakeTimers } from "../../adapters/clock/fake-timers.ts";
import { FakeGit } from "../../adapters/git/fake-git.ts";
import { FakeIds } from "../../adapters/ids/fake-ids.ts";
import { IndexedRunStore } from "../../adapters/index/indexed-run-store.ts";
import { MemoryRunIndex } from "../../adapters/index/memory-run-index.ts";
import { memoryLogReader } from "../../adapters/logs/memory-log-reader.ts";
import { MemoryRunFiles } from "../../adapters/logs/memory-run-files.ts";
import { MemoryRunStore } from "../../adapters/storage/memory-run-store.ts";
import { indexResolver } from "../../core/index/run-index-resolver.ts";
import { reconcile } from "../../core/maintenance/reconcile.ts";
import type { Logger } from "../../core/ports/logger.ts";
import { RunQueue } from "../../core/queue/run-queue.ts";
import { APP_DEFAULTS, type AppDeps } from "../../functions/app-deps.ts";
import { LiveRuns } from "../../functions/ui/live-runs.ts";
import { fixedLiveness } from "./fixed-liveness.ts";

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * The app's complete deps in memory, the same type `wireHome` returns: a store that keeps
 * its index, run files, fake git, clock and ids, a queue that never starts a run. Tests
 * override what they exercise: `createApp(memoryDeps({ git, hookToken }))`.
 */
export function memoryDeps(overrides: Partial<AppDeps> = {}): AppDeps {
  const clock = new FakeClock();
  const index = new MemoryRunIndex();
  const store = overrides.store ?? new IndexedRunStore(new MemoryRunStore(), index, clock);
  const files = new MemoryRunFiles(store, clock);
  const liveness = fixedLiveness("test:1:self");
  const queue = new RunQueue({ store, clock, timers: new FakeTimers(), concurrency: 0, runTimeoutMs: 0, execute: async (run) => run });
  return {
    ...APP_DEFAULTS,
    store,
    git: new FakeGit(),
    clock,
    ids: new FakeIds(),
    liveness,
    logger: silentLogger,
    resolver: indexResolver(index, store),
    hookToken: () => "token",
    index,
    files,
    logs: memoryLogReader(files),
    queue,
    onRunsCreated: () => undefined,
    deliveries: null,
    reconcile: () => reconcile({ store, clock, liveness, index }),
    web: {},
    live: new LiveRuns(),
    ...overrides,
  };
}
