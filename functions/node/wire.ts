import { systemClock } from "../../adapters/clock/system-clock.ts";
import { GitCli } from "../../adapters/git/git-cli.ts";
import { RegistryLookup } from "../../adapters/git/repo-registry-file.ts";
import { uuidIds } from "../../adapters/ids/uuid-ids.ts";
import { processLiveness } from "../../adapters/liveness/process-liveness.ts";
import { pinoLogger } from "../../adapters/logger/pino-logger.ts";
import { FsRunIndex } from "../../adapters/index/fs-run-index.ts";
import { IndexedRunStore } from "../../adapters/index/indexed-run-store.ts";
import type { FsLayout } from "../../adapters/storage/fs-layout.ts";
import { FsRunStore } from "../../adapters/storage/fs-run-store.ts";
import { indexResolver } from "../../core/index/run-index-resolver.ts";
import type { AppDeps } from "../app-deps.ts";
import { readHookToken, type Home } from "./home.ts";

export interface NodeDeps extends AppDeps {
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
