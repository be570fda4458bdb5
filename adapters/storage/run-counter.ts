import { statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { StorageError } from "../../core/errors.ts";
import type { RepoName } from "../../core/types.ts";
import { writeFileAtomic } from "./atomic-write.ts";
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
  /** The counter write; a run may be published only once it has settled. */
  written: Promise<void>;
}

/**
 * Per-repo run numbers. Every claim is made with the repo lock held. The counter file
 * is read from disk only when another process may have claimed since this one last
 * wrote it: one stat tells, so a busy server pays a stat, not a read and a search.
 */
export class RunCounters {
  private readonly known = new Map<string, { stamp: string; last: number }>();

  constructor(
    private readonly layout: FsLayout,
    /** The highest number on disk, for a repo whose counter is missing. */
    private readonly highest: (repo: RepoName) => Promise<number>,
  ) {}

  async claim(repo: RepoName, runIds: readonly string[]): Promise<Claim> {
    const path = join(this.layout.repoDir(repo), COUNTER_FILE);
    const known = this.known.get(repo);
    this.known.delete(repo);
    // Our own last batch was published before the lock was let go, so all its numbers are used.
    const first = known && known.stamp === (await stampOf(path)) ? known.last + 1 : await this.fromDisk(repo, path);
    const last = first + runIds.length - 1;
    const written = writeFileAtomic(path, JSON.stringify({ last, run_ids: [...runIds] } satisfies CounterFile)).then(async () => {
      const stamp = await stampOf(path);
      if (stamp !== undefined) this.known.set(repo, { stamp, last });
    });
    return { first, written };
  }

  /** After a failed batch: the next claim reads the file again. */
  forget(repo: RepoName): void {
    this.known.delete(repo);
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

/** Changes whenever the file is replaced: every write renames a new inode in. */
async function stampOf(path: string): Promise<string | undefined> {
  try {
    // One metadata syscall: cheaper done in place than as a thread-pool round trip.
    const info = statSync(path);
    return `${info.ino}:${info.size}:${info.mtimeMs}`;
  } catch {
    return undefined;
  }
}
