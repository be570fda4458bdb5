import type { IndexEntry } from "./run-index.ts";
import type { IndexView } from "./run-index-table.ts";

/** What a process that changes runs needs: record the run's new facts. */
export interface RunIndexWriter {
  upsert(entry: IndexEntry): Promise<void>;
}

export interface IndexRepairReport {
  /** Runs on disk the index did not list. */
  added: number;
  /** Entries whose facts disagreed with their run directory. */
  updated: number;
  /** Entries for runs that no longer exist. */
  removed: number;
  /** Entries after the repair. */
  total: number;
}

/**
 * The global run index: derived from the run directories, which stay the truth.
 * Implementations: fs (index.json + journal) and memory (tests).
 */
export interface RunIndex extends RunIndexWriter {
  /** A view that includes every upsert finished before the call, from any process. */
  read(): Promise<IndexView>;
  /**
   * Cheap drift repair for reconcile: compares the index with a listing of the run
   * directories and rereads only runs that are missing, moved or still live.
   */
  repair(): Promise<IndexRepairReport>;
  /** Regenerates the whole index by reading every run directory. */
  rebuild(): Promise<IndexRepairReport>;
}
