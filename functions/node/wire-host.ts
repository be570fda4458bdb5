import { systemClock } from "../../adapters/clock/system-clock.ts";
import { GitCli } from "../../adapters/git/git-cli.ts";
import { RegistryLookup } from "../../adapters/git/repo-registry-file.ts";
import { uuidIds } from "../../adapters/ids/uuid-ids.ts";
import { processLiveness } from "../../adapters/liveness/process-liveness.ts";
import type { Logger } from "../../core/ports/logger.ts";
import type { StoreDeps } from "./home-deps.ts";
import { readHookToken, type Home } from "./home.ts";

/**
 * What a home's deps take from this host whichever store holds the runs: the git CLI over
 * the home's repos (registered ones where they live), the real clock and ids, this process's
 * liveness and the hook token. wire-files.ts and wire-postgres.ts add their store to it.
 */
export function hostParts(home: Home, logger: Logger): Pick<StoreDeps, "git" | "clock" | "ids" | "liveness" | "logger" | "hookToken"> & { git: GitCli } {
  const registered = new RegistryLookup(home.registry);
  return {
    git: new GitCli(home.repos, undefined, (repo) => registered.get(repo)?.git_dir),
    clock: systemClock,
    ids: uuidIds,
    liveness: processLiveness(),
    logger,
    hookToken: () => readHookToken(home),
  };
}
