import type { IndexEntry } from "../index/run-index.ts";
import type { Outcome, RunState } from "../types.ts";

export interface IndexQuery {
  repo?: string;
  /** Full refs the filter accepts (`main` expands to its branch and tag). */
  refs?: string[];
  status?: RunState;
  outcome?: Outcome;
  limit: number;
  /** Only runs older than this run id (the cursor of the previous page). */
  before?: string;
}

export interface IndexPage {
  runs: IndexEntry[];
  /** The run id to continue after, or null when this page reached the end. */
  next: string | null;
}

/** Read access to the index; what the resolver and the routes see. */
export interface IndexView {
  readonly size: number;
  get(runId: string): IndexEntry | undefined;
  byNumber(repo: string, number: number): IndexEntry | undefined;
  /** Every run whose sha starts with `prefix` (at least MIN_SHA_PREFIX hex). */
  bySha(prefix: string): IndexEntry[];
  /** The newest run of `repo` at exactly `ref`. */
  latestAt(repo: string, ref: string): IndexEntry | undefined;
  query(query: IndexQuery): IndexPage;
  /** Every entry in file order: runs in the order they were first indexed. */
  entries(): IterableIterator<IndexEntry>;
}

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
