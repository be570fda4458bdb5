import { DirLock } from "./dir-lock.ts";

const locks = new Map<string, DirLock>();

/**
 * An inter-process lock on one repo's run directory, so the server and a
 * `quire ci run` in another process never hand out the same run number. Stale after
 * 10 s rather than 2: numbers stay unique even when a loaded machine stalls the
 * holder's refresh, at the price of a slower take-over after a crash.
 */
export function withRepoLock<T>(repoDir: string, work: () => Promise<T>, staleMs = 10_000): Promise<T> {
  let lock = locks.get(repoDir);
  if (!lock) locks.set(repoDir, (lock = new DirLock(repoDir, ".lock", staleMs)));
  return lock.run(work);
}
