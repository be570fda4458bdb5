import { nodeTimers } from "../../adapters/clock/node-timers.ts";
import { systemClock } from "../../adapters/clock/system-clock.ts";
import { GitCli } from "../../adapters/git/git-cli.ts";
import { RegistryLookup } from "../../adapters/git/repo-registry-file.ts";
import { uuidIds } from "../../adapters/ids/uuid-ids.ts";
import { FsRunIndex } from "../../adapters/index/fs-run-index.ts";
import { IndexedRunStore } from "../../adapters/index/indexed-run-store.ts";
import { processLiveness } from "../../adapters/liveness/process-liveness.ts";
import { pinoLogger } from "../../adapters/logger/pino-logger.ts";
import { fsLogReader } from "../../adapters/logs/fs-log-reader.ts";
import { FsRunFiles } from "../../adapters/logs/fs-run-files.ts";
import type { FsLayout } from "../../adapters/storage/fs-layout.ts";
import { FsRunStore } from "../../adapters/storage/fs-run-store.ts";
import { indexResolver } from "../../core/index/run-index-resolver.ts";
import { reconcile } from "../../core/maintenance/reconcile.ts";
import { RunQueue } from "../../core/queue/run-queue.ts";
import { APP_DEFAULTS, type AppDeps } from "../app-deps.ts";
import { LiveRuns } from "../ui/live-runs.ts";
import { readHookToken, type Home } from "./home.ts";

export interface NodeDeps extends Pick<AppDeps, "store" | "clock" | "ids" | "liveness" | "logger" | "resolver" | "hookToken"> {
  git: GitCli;
  /** Where run directories live, for adapters that read run files directly. */
  layout: FsLayout;
  /** The run index; as reconcile's `index`, every reconcile repairs it (and compacts it after, if its journal has lines). */
  index: FsRunIndex;
  close(): void;
}

/** The production wiring for one home: disk, git CLI, real clock and ids. */
export function wireNode(home: Home): NodeDeps {
  const registered = new RegistryLookup(home.registry);
  const git = new GitCli(home.repos, undefined, (repo) => registered.get(repo)?.git_dir);
  const logger = pinoLogger();
  const disk = new FsRunStore(home.runs);
  const index = new FsRunIndex(home.runs, { logger });
  const store = new IndexedRunStore(disk, index, systemClock, logger);
  return {
    store,
    layout: disk.layout,
    index,
    resolver: indexResolver(index, store),
    git,
    clock: systemClock,
    ids: uuidIds,
    liveness: processLiveness(),
    logger,
    hookToken: () => readHookToken(home),
    close: () => git.close(),
  };
}

export type HomeDeps = AppDeps & Omit<NodeDeps, keyof AppDeps> & { index: FsRunIndex; git: GitCli };

/**
 * The complete app over one home with nothing executing here: pushes leave runs pending,
 * cancel ends pending runs. `quire serve` (serve.ts) replaces the queue, intake hook,
 * reconcile, outbox and live view with those of its runner; the intake bench serves it as is.
 */
export function wireHome(home: Home): HomeDeps {
  const node = wireNode(home);
  // Concurrency 0: the queue never starts a run; it only cancels pending ones.
  const queue = new RunQueue({ store: node.store, clock: node.clock, timers: nodeTimers, concurrency: 0, runTimeoutMs: 0, execute: async (run) => run });
  return {
    ...APP_DEFAULTS,
    ...node,
    files: new FsRunFiles(node.layout, node.clock),
    logs: fsLogReader(node.layout),
    queue,
    onRunsCreated: () => undefined,
    deliveries: null,
    reconcile: () => reconcile(node),
    web: {},
    live: new LiveRuns(),
  };
}
