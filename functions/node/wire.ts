import { systemClock } from "../../adapters/clock/system-clock.ts";
import { GitCli } from "../../adapters/git/git-cli.ts";
import { uuidIds } from "../../adapters/ids/uuid-ids.ts";
import { processLiveness } from "../../adapters/liveness/process-liveness.ts";
import { pinoLogger } from "../../adapters/logger/pino-logger.ts";
import { FsRunStore } from "../../adapters/storage/fs-run-store.ts";
import { idResolver } from "../../core/run-ref.ts";
import type { AppDeps } from "../app-deps.ts";
import { readHookToken, type Home } from "./home.ts";

export interface NodeDeps extends AppDeps {
  store: FsRunStore;
  git: GitCli;
  close(): void;
}

/** The production wiring for one home: disk, git CLI, real clock and ids. */
export function wireNode(home: Home): NodeDeps {
  const git = new GitCli(home.repos);
  const store = new FsRunStore(home.runs);
  return {
    store,
    resolver: idResolver(store),
    git,
    clock: systemClock,
    ids: uuidIds,
    liveness: processLiveness(),
    logger: pinoLogger(),
    hookToken: () => readHookToken(home),
    close: () => git.close(),
  };
}
