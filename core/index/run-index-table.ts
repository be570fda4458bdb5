import { MIN_SHA_PREFIX } from "./run-alias.ts";
import { sameIdentity, type IndexEntry } from "./run-index.ts";
import type { IndexPage, IndexQuery, IndexView } from "../ports/run-index.ts";
import type { RunState } from "../types.ts";

const STATE_RANK: Record<RunState, number> = { pending: 0, active: 1, complete: 2, failed: 2 };

const byRunId = (a: IndexEntry, b: IndexEntry) => (a.run_id < b.run_id ? -1 : a.run_id > b.run_id ? 1 : 0);

/** First position whose run id is >= `runId` in a list sorted by run id. */
function lowerBound(list: readonly IndexEntry[], runId: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] as IndexEntry).run_id < runId) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted(list: IndexEntry[], entry: IndexEntry): void {
  const last = list[list.length - 1];
  // UUIDv7 ids grow with time, so nearly every new run lands at the end.
  if (last === undefined || last.run_id < entry.run_id) list.push(entry);
  else list.splice(lowerBound(list, entry.run_id), 0, entry);
}

function removeSorted(list: IndexEntry[], runId: string): void {
  const at = lowerBound(list, runId);
  if (list[at]?.run_id === runId) list.splice(at, 1);
}

/** One repo's runs, with the lookups aliases and listings need. */
interface RepoRuns {
  /** Sorted by run id, i.e. by creation time. */
  runs: IndexEntry[];
  /** Indexed by run number; numbers are dense, so this is a plain array. */
  byNumber: (IndexEntry | undefined)[];
  /** Each ref's runs, sorted by run id. */
  byRef: Map<string, IndexEntry[]>;
}

const bySha = (a: IndexEntry, b: IndexEntry) => (a.sha < b.sha ? -1 : a.sha > b.sha ? 1 : byRunId(a, b));

/** First position whose (sha, run id) is >= the given one in a list sorted by bySha. */
function shaBound(list: readonly IndexEntry[], sha: string, runId = ""): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const e = list[mid] as IndexEntry;
    if (e.sha < sha || (e.sha === sha && e.run_id < runId)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The run index in memory, with the lookups aliases and listings need kept as
 * secondary structures so each is a hash lookup, an array index or a binary search,
 * never a scan of every run. Entries are upserted in place: an update keeps a run's
 * position in file order.
 */
export class RunIndexTable implements IndexView {
  private readonly byId = new Map<string, IndexEntry>();
  /** Sorted by run id, i.e. by creation time. */
  private readonly all: IndexEntry[] = [];
  private readonly repos = new Map<string, RepoRuns>();
  /**
   * Every run sorted by sha, then run id: a sha prefix is a binary search and a short scan.
   * (It was 65,536 buckets, one small array each: some 6 MiB of array headers and slack.)
   */
  private readonly shas: IndexEntry[] = [];
  /**
   * Entries linked but not yet placed in `shas`, placed on the next read of it: one at a time
   * while few, by one sort when many. A splice each would move the whole array: a first start
   * adding 100k runs spent 22 s of 74 in those moves.
   */
  private shaTail: IndexEntry[] = [];
  /**
   * One copy of each repo, ref, job and state name: 100k runs mostly share a handful of each,
   * and every entry parsed from disk came with copies of its own.
   */
  private readonly names = new Map<string, string>();

  /** Takes ownership of the entries (no copies): for freshly parsed ones. */
  static from(entries: Iterable<IndexEntry>): RunIndexTable {
    const table = new RunIndexTable();
    for (const entry of entries) {
      if (table.byId.has(entry.run_id)) table.upsert(entry);
      else table.link(entry);
    }
    table.placeShas();
    return table;
  }

  private name<T extends string | null>(text: T): T {
    if (text === null) return text;
    const known = this.names.get(text);
    if (known !== undefined) return known as T;
    this.names.set(text, text);
    return text;
  }

  get size(): number {
    return this.byId.size;
  }

  /** Returns true when the entry was new. */
  upsert(entry: IndexEntry): boolean {
    const current = this.byId.get(entry.run_id);
    if (current && sameIdentity(current, entry)) {
      current.status = this.name(entry.status);
      current.outcome = this.name(entry.outcome);
      current.updated_at = entry.updated_at;
      current.last_job = this.name(entry.last_job);
      return false;
    }
    if (current) this.unlink(current);
    this.link({ ...entry });
    return current === undefined;
  }

  private link(own: IndexEntry): void {
    own.repo = this.name(own.repo);
    own.ref = this.name(own.ref);
    own.status = this.name(own.status);
    own.outcome = this.name(own.outcome);
    own.last_job = this.name(own.last_job);
    this.byId.set(own.run_id, own);
    insertSorted(this.all, own);
    let repo = this.repos.get(own.repo);
    if (!repo) this.repos.set(own.repo, (repo = { runs: [], byNumber: [], byRef: new Map() }));
    insertSorted(repo.runs, own);
    if (repo.byNumber[own.number] === undefined) repo.byNumber[own.number] = own;
    let refRuns = repo.byRef.get(own.ref);
    if (!refRuns) repo.byRef.set(own.ref, (refRuns = []));
    insertSorted(refRuns, own);
    this.shaTail.push(own);
  }

  /** Sorted `shas`, with every linked entry in it. */
  private sortedShas(): IndexEntry[] {
    this.placeShas();
    return this.shas;
  }

  private placeShas(): void {
    const tail = this.shaTail;
    if (tail.length === 0) return;
    this.shaTail = [];
    if (tail.length < 64) {
      for (const own of tail) this.shas.splice(shaBound(this.shas, own.sha, own.run_id), 0, own);
      return;
    }
    for (const own of tail) this.shas.push(own);
    this.shas.sort(bySha);
  }

  /**
   * Like upsert, but never moves a run back to an earlier state. Entries replayed from
   * the journal or read from disk may be older than what this table already knows
   * (two processes, or a transition landing mid-read); runs only ever move forward.
   * With "by-time", an entry for the same state that is older than the one held
   * (by updated_at, one wall clock per host) is also kept out: the journal holds
   * lines from several processes, each applied when the reader gets to them.
   */
  merge(entry: IndexEntry, order: "by-state" | "by-time" = "by-state"): "added" | "updated" | "kept" {
    const current = this.byId.get(entry.run_id);
    if (current && sameIdentity(current, entry)) {
      const diff = STATE_RANK[entry.status] - STATE_RANK[current.status];
      if (diff < 0 || (diff === 0 && order === "by-time" && entry.updated_at < current.updated_at)) return "kept";
    }
    return this.upsert(entry) ? "added" : "updated";
  }

  remove(runId: string): boolean {
    const current = this.byId.get(runId);
    if (!current) return false;
    this.unlink(current);
    this.byId.delete(runId);
    return true;
  }

  private unlink(entry: IndexEntry): void {
    removeSorted(this.all, entry.run_id);
    const repo = this.repos.get(entry.repo);
    if (repo) {
      removeSorted(repo.runs, entry.run_id);
      if (repo.byNumber[entry.number] === entry) repo.byNumber[entry.number] = undefined;
      const refRuns = repo.byRef.get(entry.ref);
      if (refRuns) removeSorted(refRuns, entry.run_id);
    }
    const shas = this.sortedShas();
    const at = shaBound(shas, entry.sha, entry.run_id);
    if (shas[at] === entry) shas.splice(at, 1);
  }

  /** The live entry, not a copy: for read-only checks inside core. */
  peek(runId: string): IndexEntry | undefined {
    return this.byId.get(runId);
  }

  get(runId: string): IndexEntry | undefined {
    const entry = this.byId.get(runId);
    return entry && { ...entry };
  }

  byNumber(repo: string, number: number): IndexEntry | undefined {
    const entry = this.repos.get(repo)?.byNumber[number];
    return entry && { ...entry };
  }

  bySha(prefix: string): IndexEntry[] {
    if (prefix.length < MIN_SHA_PREFIX) return [];
    const found: IndexEntry[] = [];
    const shas = this.sortedShas();
    for (let i = shaBound(shas, prefix); i < shas.length && (shas[i] as IndexEntry).sha.startsWith(prefix); i++) {
      found.push({ ...(shas[i] as IndexEntry) });
    }
    return found;
  }

  latestAt(repo: string, ref: string): IndexEntry | undefined {
    const list = this.repos.get(repo)?.byRef.get(ref);
    const last = list?.[list.length - 1];
    return last && { ...last };
  }

  query(q: IndexQuery): IndexPage {
    const repo = q.repo === undefined ? undefined : this.repos.get(q.repo);
    const lists =
      q.repo === undefined
        ? [this.all]
        : q.refs !== undefined
          ? q.refs.map((ref) => repo?.byRef.get(ref) ?? [])
          : [repo?.runs ?? []];
    const source = lists.length === 1 ? (lists[0] as IndexEntry[]) : lists.flat().sort(byRunId);
    const refs = q.refs === undefined ? undefined : new Set(q.refs);
    const runs: IndexEntry[] = [];
    let i = (q.before === undefined ? source.length : lowerBound(source, q.before)) - 1;
    for (; i >= 0 && runs.length < q.limit; i--) {
      const e = source[i] as IndexEntry;
      if (refs !== undefined && !refs.has(e.ref)) continue;
      if (q.status !== undefined && e.status !== q.status) continue;
      if (q.outcome !== undefined && e.outcome !== q.outcome) continue;
      runs.push({ ...e });
    }
    const last = runs[runs.length - 1];
    return { runs, next: runs.length === q.limit && i >= 0 && last ? last.run_id : null };
  }

  entries(): IterableIterator<IndexEntry> {
    return this.byId.values();
  }
}
