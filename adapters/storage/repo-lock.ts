import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import lockfile from "proper-lockfile";
import { StorageError } from "../../core/errors.ts";

/**
 * An inter-process lock on one repo's run directory, so the server and a
 * `quire ci run` in another process never hand out the same run number.
 * proper-lockfile uses an atomic mkdir and refreshes it; a lock left by a killed
 * process goes stale after `staleMs` and is taken over.
 */
export async function withRepoLock<T>(repoDir: string, work: () => Promise<T>, staleMs = 10_000): Promise<T> {
  await mkdir(repoDir, { recursive: true });
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(repoDir, {
      lockfilePath: join(repoDir, ".lock"),
      realpath: false,
      stale: staleMs,
      retries: { retries: 400, minTimeout: 2, maxTimeout: 50, factor: 1.3 },
      onCompromised: () => undefined,
    });
  } catch (cause) {
    throw new StorageError("lock_failed", `could not lock ${repoDir}`, { cause });
  }
  try {
    return await work();
  } finally {
    await release().catch(() => undefined);
  }
}
