import { mkdirSync, rmdirSync, rmSync, statSync } from "node:fs";
import { utimes } from "node:fs/promises";
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
 * is one mkdir and one rmdir, done synchronously (microseconds, no round trip). Callers in
 * one process queue on a mutex first, so only other processes ever make us poll.
 */
export class DirLock {
  private readonly local = new KeyedMutex();
  readonly path: string;

  constructor(readonly dir: string, lockName: string, private readonly staleMs: number) {
    this.path = join(dir, lockName);
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    return this.local.run("lock", async () => {
      let release: () => void;
      try {
        release = await this.acquire();
      } catch (cause) {
        throw new StorageError("lock_failed", `could not lock ${this.path}`, { cause });
      }
      try {
        return await work();
      } finally {
        release();
      }
    });
  }

  private async acquire(): Promise<() => void> {
    const deadline = Date.now() + CONTENDED_MS;
    for (let wait = 1; ; wait = Math.min(MAX_POLL_MS, Math.ceil(wait * 1.5))) {
      const release = this.tryTake();
      if (release) return release;
      if (Date.now() > deadline) throw Object.assign(new Error(`${this.path} is held by another process`), { code: "ELOCKED" });
      await sleep(wait);
    }
  }

  /** The release function when the lock was free (or stale), undefined while someone holds it. */
  private tryTake(): (() => void) | undefined {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        mkdirSync(this.path);
        return this.held();
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // The directory the lock lives in is made on first use, and again if someone removed it.
        if (code === "ENOENT") mkdirSync(this.dir, { recursive: true });
        else if (code !== "EEXIST") throw error;
        else if (this.isStale()) rmSync(this.path, { recursive: true, force: true });
        else return undefined;
      }
    }
    return undefined;
  }

  private isStale(): boolean {
    try {
      return statSync(this.path).mtimeMs < Date.now() - this.staleMs;
    } catch (error) {
      // Released between our mkdir and this stat: free now, try again.
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return true;
      throw error;
    }
  }

  /** Keeps a long hold fresh (a compaction writing a big index), and lets go. */
  private held(): () => void {
    const refresh = setInterval(() => {
      const now = new Date();
      utimes(this.path, now, now).catch(() => undefined);
    }, Math.max(100, this.staleMs / 2));
    refresh.unref();
    return () => {
      clearInterval(refresh);
      try {
        rmdirSync(this.path);
      } catch {
        // Already gone: removed by hand, or taken over as stale after a long stall.
      }
    };
  }
}
