import { systemClock } from "../../adapters/clock/system-clock.ts";
import { FsRunIndex } from "../../adapters/index/fs-run-index.ts";
import { IndexedRunStore } from "../../adapters/index/indexed-run-store.ts";
import { pinoLogger } from "../../adapters/logger/pino-logger.ts";
import { fsLogReader } from "../../adapters/logs/fs-log-reader.ts";
import { FsRunFiles } from "../../adapters/logs/fs-run-files.ts";
import { FsRunStore } from "../../adapters/storage/fs-run-store.ts";
import { indexResolver } from "../../core/index/run-index-resolver.ts";
import type { StoreDeps } from "./home-deps.ts";
import type { Home } from "./home.ts";
import { hostParts } from "./wire-host.ts";

/** The store half of a home on files (wire-home.ts completes it): run directories, the index, git CLI, real clock and ids. */
export function wireFiles(home: Home): StoreDeps {
  const logger = pinoLogger();
  const host = hostParts(home, logger);
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
    ...host,
    backend: { kind: "fs", layout: disk.layout },
    async close() {
      await index.settled();
      host.git.close();
    },
  };
}
