import { DirLock } from "../storage/dir-lock.ts";

/** proper-lockfile's floor: a lock left by a killed process is taken over after 2 s. */
const STALE_MS = 2_000;

/**
 * The short inter-process lock around index journal appends and compaction. Work
 * inside it is a few syscalls (an append) or one index write (compaction, which keeps
 * the lock fresh while it runs).
 */
export class IndexLock extends DirLock {
  constructor(dir: string) {
    super(dir, ".index.lock", STALE_MS);
  }
}
