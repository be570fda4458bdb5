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
import { FsRunStore } from "../../adapters/storage/fs-run-store.ts";
import { indexResolver } from "../../core/index/run-index-resolver.ts";
import type { StoreDeps } from "./home-deps.ts";
import { readHookToken, type Home } from "./home.ts";

/** The store half of a home on files (wire-home.ts completes it): run directories, the index, git CLI, real clock and ids. */
export function wireFiles(home: Home): StoreDeps {
  const registered = new RegistryLookup(home.registry);
  const git = new GitCli(home.repos, undefined, (repo) => registered.get(repo)?.git_dir);
  const logger = pinoLogger();
  const disk = new FsRunStore(home.runs);
  // As reconcile's `index`, every reconcile repairs it (and compacts it after, if its journal has lines).
  const index = new FsRunIndex(home.runs, { logger });
  const store = new IndexedRunStore(disk, index, systemClock, logger);
  return {
    store,
    index,
    files: new FsRunFiles(disk.layout, systemClock),
    logs: fsLogReader(disk.layout),
    resolver: indexResolver(index, store),
    git,
    clock: systemClock,
    ids: uuidIds,
    liveness: processLiveness(),
    logger,
    hookToken: () => readHookToken(home),
    backend: { kind: "fs", layout: disk.layout },
    async close() {
      await index.settled();
      git.close();
    },
  };
}
