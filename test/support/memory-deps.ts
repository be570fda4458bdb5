import { FakeClock } from "../../adapters/clock/fake-clock.ts";
import { FakeTimers } from "../../adapters/clock/fake-timers.ts";
import { FakeContainerJanitor } from "../../adapters/executor/fake-container-janitor.ts";
import { FakeExecutor } from "../../adapters/executor/fake-executor.ts";
import { FakeGit } from "../../adapters/git/fake-git.ts";
import { FakeIds } from "../../adapters/ids/fake-ids.ts";
import { IndexedRunStore } from "../../adapters/index/indexed-run-store.ts";
import { MemoryRunIndex } from "../../adapters/index/memory-run-index.ts";
import { memoryLogReader } from "../../adapters/logs/memory-log-reader.ts";
import { MemoryRunFiles } from "../../adapters/logs/memory-run-files.ts";
import { FakePipelineRuntime } from "../../adapters/pipeline/fake-pipeline-runtime.ts";
import { FakeProcessJanitor } from "../../adapters/process/fake-process-janitor.ts";
import { MemoryRunStore } from "../../adapters/storage/memory-run-store.ts";
import { FakeWorkspaces } from "../../adapters/workspace/fake-workspaces.ts";
import { MemoryWorkspaceFiles } from "../../adapters/workspace/memory-workspace-files.ts";
import { indexResolver } from "../../core/index/run-index-resolver.ts";
import { reconcile } from "../../core/maintenance/reconcile.ts";
import type { Logger } from "../../core/ports/logger.ts";
import type { WorkspaceJanitor } from "../../core/ports/janitors.ts";
import { RunQueue } from "../../core/queue/run-queue.ts";
import { APP_DEFAULTS } from "../../functions/app-deps.ts";
import { parseConfig } from "../../functions/node/config.ts";
import { reconcileDepsOf, type HomeDeps } from "../../functions/node/home-deps.ts";
import { LiveRuns } from "../../functions/ui/live-runs.ts";
import { fixedLiveness } from "./fixed-liveness.ts";

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** No workspaces are left on disk in memory. */
const noWorkspaces: WorkspaceJanitor = { listRuns: async () => [], remove: async () => undefined };

/**
 * A home's complete deps in memory, the same type `wireHome` (functions/node/wire-home.ts)
 * returns: a store that keeps its index, run files, fake git, clock, ids, executor, pipeline
 * runtime (no pipelines unless a test gives one) and janitors, a queue that never starts a run,
 * all defaults. Tests override what they exercise: `createApp(memoryDeps({ git, hookToken }))`.
 */
export function memoryDeps(overrides: Partial<HomeDeps> = {}): HomeDeps {
  const clock = new FakeClock();
  const index = new MemoryRunIndex();
  const store = overrides.store ?? new IndexedRunStore(new MemoryRunStore(), index, clock);
  const files = new MemoryRunFiles(store, clock);
  const liveness = fixedLiveness("test:1:self");
  const queue = new RunQueue({ store, clock, timers: new FakeTimers(), concurrency: 0, runTimeoutMs: 0, execute: async (run) => run });
  const executor = new FakeExecutor();
  const janitors = { processes: new FakeProcessJanitor(), workspaces: noWorkspaces, containers: new FakeContainerJanitor() };
  return {
    ...APP_DEFAULTS,
    config: parseConfig("", "memoryDeps"),
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
    executor,
    executorFor: () => executor,
    runtime: new FakePipelineRuntime(() => undefined),
    workspaces: new FakeWorkspaces(),
    workspaceFiles: new MemoryWorkspaceFiles(),
    processTracker: () => ({ started: async () => undefined, ended: async () => undefined }),
    janitors,
    backend: { kind: "memory" },
    queue,
    onRunsCreated: () => undefined,
    deliveries: null,
    reconcile: () => reconcile(reconcileDepsOf({ store, clock, liveness, index, janitors })),
    web: {},
    live: new LiveRuns(),
    close: async () => undefined,
    ...overrides,
  };
}
