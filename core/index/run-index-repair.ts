import { entryOf, recordedAt, sameFacts, type IndexEntry } from "./run-index.ts";
import type { IndexRepairReport } from "../ports/run-index.ts";
import type { RunIndexTable } from "./run-index-table.ts";
import type { RepoName, RunRecord, RunState } from "../types.ts";

/** Where a run directory is, as a directory listing shows it (no file reads). */
export interface RunLocation {
  run_id: string;
  repo: RepoName;
  status: RunState;
}

export interface RepairPlan {
  reread: RunLocation[];
  /** Indexed runs the listing did not show. */
  missing: IndexEntry[];
}

const LIVE = new Set<RunState>(["pending", "active"]);

/**
 * Drift is found from names alone: a terminal run whose directory matches its entry is
 * trusted (its files no longer change), so at 100k runs reconcile reads only the few
 * live runs plus whatever is missing or moved. `known` is the set of ids indexed before
 * the listing began; a run created during the listing is never taken for a stale one.
 */
export function planIndexRepair(table: RunIndexTable, listing: readonly RunLocation[], known: ReadonlySet<string>): RepairPlan {
  const seen = new Set<string>();
  const reread: RunLocation[] = [];
  for (const loc of listing) {
    seen.add(loc.run_id);
    const entry = table.peek(loc.run_id);
    if (!entry || entry.status !== loc.status || entry.repo !== loc.repo || LIVE.has(loc.status)) reread.push(loc);
  }
  // In id order, so each re-read run lands at the end of the table's sorted lists: in listing
  // order (repo by repo) every insert shifted the lists, quadratic over a first start's 100k.
  reread.sort((a, b) => (a.run_id < b.run_id ? -1 : a.run_id > b.run_id ? 1 : 0));
  const missing: IndexEntry[] = [];
  for (const entry of table.entries()) {
    if (known.has(entry.run_id) && !seen.has(entry.run_id)) missing.push(entry);
  }
  return { reread, missing };
}

export interface RepairIo {
  /** The run at that location now, or undefined if it has moved or gone meanwhile. */
  read(loc: RunLocation): Promise<RunRecord | undefined>;
  /** Whether the run still exists anywhere; checked before an entry is dropped. */
  exists(entry: IndexEntry): Promise<boolean>;
  /** Told each change made, so an adapter can persist just those. */
  changed?(change: { run: IndexEntry } | { gone: string }): void;
}

/** How many run reads are in flight at once during a repair. */
const READ_BATCH = 64;

export async function applyIndexRepair(table: RunIndexTable, plan: RepairPlan, io: RepairIo): Promise<IndexRepairReport> {
  const report: IndexRepairReport = { added: 0, updated: 0, removed: 0, total: 0 };
  // Reads go out a batch at a time: a first start with no index reads every run, and one
  // read after another left the disk and the thread pool idle (100k runs took minutes).
  for (let at = 0; at < plan.reread.length; at += READ_BATCH) {
    const runs = await Promise.all(plan.reread.slice(at, at + READ_BATCH).map((loc) => io.read(loc)));
    for (const run of runs) {
      if (!run) continue;
      const fresh = entryOf(run, recordedAt(run));
      const current = table.peek(fresh.run_id);
      if (current && sameFacts(current, fresh)) continue;
      // merge keeps a transition that landed while we read: it is newer than what we read.
      const change = table.merge(fresh);
      if (change === "kept") continue;
      report[change] += 1;
      io.changed?.({ run: fresh });
    }
  }
  for (const entry of plan.missing) {
    if (await io.exists(entry)) continue;
    if (!table.remove(entry.run_id)) continue;
    report.removed += 1;
    io.changed?.({ gone: entry.run_id });
  }
  report.total = table.size;
  return report;
}
