import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import lockfile from "proper-lockfile";
import { StorageError } from "../../core/errors.ts";
import { KeyedMutex } from "../storage/keyed-mutex.ts";

/** proper-lockfile's floor: a lock left by a killed process is taken over after 2 s. */
const STALE_MS = 2_000;

/**
 * The short inter-process lock around index journal appends and compaction. Work
 * inside it is a few syscalls (an append) or one index write (compaction, which keeps
 * the lock fresh while it runs). Callers in one process queue on a mutex first, so
 * only other processes ever make us poll.
 */
export class IndexLock {
  private readonly local = new KeyedMutex();
  readonly path: string;

  constructor(readonly dir: string) {
    this.path = join(dir, ".index.lock");
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    return this.local.run("index", async () => {
      await mkdir(this.dir, { recursive: true });
      let release: () => Promise<void>;
      try {
        release = await lockfile.lock(this.dir, {
          lockfilePath: this.path,
          realpath: false,
          stale: STALE_MS,
          retries: { retries: 1000, minTimeout: 1, maxTimeout: 20, factor: 1.2 },
          onCompromised: () => undefined,
        });
      } catch (cause) {
        throw new StorageError("lock_failed", `could not lock the run index in ${this.dir}`, { cause });
      }
      try {
        return await work();
      } finally {
        await release().catch(() => undefined);
      }
    });
  }
}
