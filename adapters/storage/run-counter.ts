import { readFileSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { StorageError } from "../../core/errors.ts";
import type { RepoName } from "../../core/types.ts";
import { commitTemp, writeTemp } from "./atomic-write.ts";
import type { FsLayout } from "./fs-layout.ts";

export const COUNTER_FILE = "counter.json";

/** `runs/<repo>/counter.json`. */
interface CounterFile {
  last: number;
  /**
   * The batch that took the numbers up to `last`, in number order. After a crash
   * mid-batch, the numbers after the last of its runs that reached disk are handed out
   * again. (`run_id`: a batch of one, as older files have it.)
   */
  run_ids?: string[];
  run_id?: string | null;
}

export interface Claim {
  first: number;
  /** The counter's new text, durable in a temp file beside it; rejects when that write failed. */
  staged: Promise<void>;
  /**
   * Puts the new counter in place. Call after `staged`, in claim order (a later claim's
   * counter must never be overwritten by an earlier one's), and before any run of the batch
   * is published.
   */
  commit: () => Promise<void>;
  /** The batch failed: its counter is never put in place, and its numbers are handed out again if no claim followed. */
  abandon: () => Promise<void>;
}

/**
 * Per-repo run numbers. Every claim is made with the repo lock held, one at a time (the
 * caller keeps them in order); batches that follow each other under one hold of the lock
 * take their numbers from memory, so the next claim need not wait for the counter write
 * before. At the start of a hold the counter file is searched (its batch looked up on
 * disk) only when another process may have claimed since this one last wrote it: the
 * file still holding exactly what we wrote tells, so a busy server pays one small read,
 * not a search. (A stat stamp told before, but an inode freed by one writer's rename is
 * reused by the next, and two writes within one tick of the filesystem's coarse clock
 * share an mtime: two processes then handed out the same number.)
 */
export class RunCounters {
  private readonly known = new Map<string, { text: string; last: number }>();
  /** The next free number, while this process holds the repo lock. */
  private readonly next = new Map<string, number>();

  constructor(
    private readonly layout: FsLayout,
    /** The highest number on disk, for a repo whose counter is missing. */
    private readonly highest: (repo: RepoName) => Promise<number>,
  ) {}

  async claim(repo: RepoName, runIds: readonly string[]): Promise<Claim> {
    const path = join(this.layout.repoDir(repo), COUNTER_FILE);
    let first = this.next.get(repo);
    if (first === undefined) {
      const known = this.known.get(repo);
      // Our own last batch was published before the lock was let go, so all its numbers are used.
      first = known && known.text === currentText(path) ? known.last + 1 : await this.fromDisk(repo, path);
    }
    const last = first + runIds.length - 1;
    this.next.set(repo, last + 1);
    const text = JSON.stringify({ last, run_ids: [...runIds] } satisfies CounterFile);
    const temp = writeTemp(path, text);
    return {
      first,
      staged: temp.then(() => undefined),
      commit: async () => {
        // Until it is in place again the file is not what we remember.
        this.known.delete(repo);
        await commitTemp(await temp, path);
        this.known.set(repo, { text, last });
      },
      abandon: async () => {
        if (this.next.get(repo) === last + 1) this.next.set(repo, first);
        await temp.then((t) => rm(t, { force: true })).catch(() => undefined);
      },
    };
  }

  /** The repo lock is let go: the next claim checks the file, another process may write it meanwhile. */
  endHold(repo: RepoName): void {
    this.next.delete(repo);
  }

  private async fromDisk(repo: RepoName, path: string): Promise<number> {
    let counter: CounterFile;
    try {
      counter = JSON.parse(await readFile(path, "utf8")) as CounterFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
        throw new StorageError("storage_failed", `run counter ${path} unreadable`, { cause: error });
      }
      return (await this.highest(repo)) + 1;
    }
    const batch = counter.run_ids ?? (counter.run_id ? [counter.run_id] : []);
    return counter.last - batch.length + (await this.numbersUsed(repo, batch)) + 1;
  }

  /** Numbers of a batch used up: through its last run on disk (usually its last run, found at once). */
  private async numbersUsed(repo: RepoName, batch: readonly string[]): Promise<number> {
    for (let count = batch.length; count > 0; count--) {
      if ((await this.layout.locate(repo, batch[count - 1] as string)) !== undefined) return count;
    }
    return 0;
  }
}

/** The counter file's text, or undefined when it cannot be read (then it is searched). */
function currentText(path: string): string | undefined {
  try {
    // A few dozen bytes: one read in place is cheaper than a thread-pool round trip.
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
