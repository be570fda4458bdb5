import { mkdir, rm, rmdir, stat, utimes } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { StorageError } from "../../core/errors.ts";
import { KeyedMutex } from "./keyed-mutex.ts";

/** How long a taker polls, in all, while another live process holds the lock. */
const CONTENDED_MS = 20_000;
const MAX_POLL_MS = 20;

/**
 * An inter-process lock on a directory, held as a directory made with one atomic mkdir and
 * refreshed (its mtime touched) while held; a lock left by a killed process is taken over
 * once `staleMs` old. It is the on-disk protocol of proper-lockfile, which this replaced:
 * that library cost four thread-pool round trips, a timer and ~140 µs of schedule sorting
 * per take, which on the intake path cost more than the work it guarded. Here a free lock
 * is one mkdir and one rmdir. They stay off the event loop: on a disk busy with fsyncs, a
 * directory made or removed waits milliseconds for the filesystem journal, and done
 * synchronously that wait stalled every request. Callers in one process queue on a mutex
 * first, so only other processes ever make us poll.
 */
export class DirLock {
  private readonly local = new KeyedMutex();
  readonly path: string;

  constructor(readonly dir: string, lockName: string, private readonly staleMs: number) {
    this.path = join(dir, lockName);
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    return this.local.run("lock", async () => {
      let release: () => Promise<void>;
      try {
        release = await this.acquire();
      } catch (cause) {
        throw new StorageError("lock_failed", `could not lock ${this.path}`, { cause });
      }
      try {
        return await work();
      } finally {
        await release();
      }
    });
  }

  private async acquire(): Promise<() => Promise<void>> {
    const deadline = Date.now() + CONTENDED_MS;
    for (let wait = 1; ; wait = Math.min(MAX_POLL_MS, Math.ceil(wait * 1.5))) {
      const release = await this.tryTake();
      if (release) return release;
      if (Date.now() > deadline) throw Object.assign(new Error(`${this.path} is held by another process`), { code: "ELOCKED" });
      await sleep(wait);
    }
  }

  /** The release function when the lock was free (or stale), undefined while someone holds it. */
  private async tryTake(): Promise<(() => Promise<void>) | undefined> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await mkdir(this.path);
        return this.held();
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // The directory the lock lives in is made on first use, and again if someone removed it.
        if (code === "ENOENT") {
          await mkdir(this.dir, { recursive: true });
          continue;
        }
        if (code !== "EEXIST") throw error;
        const since = await this.heldSince();
        // Let go between our mkdir and the stat: try again, never remove (it may be a new holder's).
        if (since === undefined) continue;
        if (since >= Date.now() - this.staleMs) return undefined;
        await rm(this.path, { recursive: true, force: true });
      }
    }
    return undefined;
  }

  /** When the holder last touched the lock, or undefined when there is no lock now. */
  private async heldSince(): Promise<number | undefined> {
    try {
      return (await stat(this.path)).mtimeMs;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  /** Keeps a long hold fresh (a compaction writing a big index), and lets go. */
  private held(): () => Promise<void> {
    const refresh = setInterval(() => {
      const now = new Date();
      utimes(this.path, now, now).catch(() => undefined);
    }, Math.max(100, this.staleMs / 2));
    refresh.unref();
    return async () => {
      clearInterval(refresh);
      // Already gone: removed by hand, or taken over as stale after a long stall.
      await rmdir(this.path).catch(() => undefined);
    };
  }
}
