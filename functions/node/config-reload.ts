import { watch, type FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";
import type { Logger } from "../../core/ports/logger.ts";
import { loadConfig, type QuireConfig } from "./config.ts";

/** Editors save in bursts (truncate, write, rename); one reload after the burst is enough. */
const SETTLE_MS = 200;

/**
 * Reloads config.yml on SIGHUP and whenever the file changes. A config that does not load
 * (bad YAML, a bad key, a secret too short) changes nothing: the old one stays and the log
 * says why. The directory is watched, not the file, so a save by rename is seen too.
 */
export function watchConfig(path: string, apply: (config: QuireConfig, why: string) => void, logger: Logger): { close(): void } {
  let timer: NodeJS.Timeout | undefined;
  let chain = Promise.resolve();
  const reload = (why: string) => {
    chain = chain.then(async () => {
      try {
        apply(await loadConfig(path), why);
      } catch (error) {
        logger.warn({ why, path, problem: (error as Error).message }, "config.yml not reloaded; keeping the previous config");
      }
    });
  };
  const onHup = () => reload("SIGHUP");
  process.on("SIGHUP", onHup);
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), (_event, name) => {
      if (name !== basename(path)) return;
      clearTimeout(timer);
      timer = setTimeout(() => reload("file changed"), SETTLE_MS);
    });
    watcher.on("error", (error) => logger.warn({ path, err: error }, "cannot watch config.yml; reload it with SIGHUP"));
  } catch (error) {
    logger.warn({ path, err: error }, "cannot watch config.yml; reload it with SIGHUP");
  }
  return {
    close() {
      clearTimeout(timer);
      process.off("SIGHUP", onHup);
      watcher?.close();
    },
  };
}
