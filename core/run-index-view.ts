import type { IndexEntry } from "./run-index.ts";
import type { Outcome, RunState } from "./types.ts";

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
