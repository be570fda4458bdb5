import type { RunStore } from "../../core/ports/storage.ts";
import { entryOf, recordedAt } from "../../core/index/run-index.ts";
import type { IndexRepairReport, IndexView, RunIndex } from "../../core/ports/run-index.ts";
import { applyIndexRepair, planIndexRepair } from "../../core/index/run-index-repair.ts";
import { RunIndexTable } from "../../core/index/run-index-table.ts";

/**
 * The run index in memory, for tests and the Workers build. `source` is the store it
 * repairs and rebuilds from; without one, repair has nothing to compare with.
 */
export class MemoryRunIndex implements RunIndex {
  private table = new RunIndexTable();

  constructor(private readonly source?: RunStore) {}

  async upsert(entry: Parameters<RunIndex["upsert"]>[0]): Promise<void> {
    this.table.upsert(entry);
  }

  async read(): Promise<IndexView> {
    return this.table;
  }

  async repair(): Promise<IndexRepairReport> {
    const runs = (await this.source?.listRuns()) ?? [];
    const byId = new Map(runs.map((run) => [run.meta.run_id, run]));
    const known = new Set<string>();
    for (const entry of this.table.entries()) known.add(entry.run_id);
    const listing = runs.map((run) => ({ run_id: run.meta.run_id, repo: run.meta.repo, status: run.state.status }));
    const plan = planIndexRepair(this.table, listing, known);
    return applyIndexRepair(this.table, plan, {
      read: async (loc) => byId.get(loc.run_id),
      exists: async (entry) => (await this.source?.getRun(entry.repo, entry.run_id)) !== undefined,
    });
  }

  async rebuild(): Promise<IndexRepairReport> {
    const before = this.table;
    const runs = (await this.source?.listRuns()) ?? [];
    this.table = RunIndexTable.from(runs.map((run) => entryOf(run, recordedAt(run))));
    let kept = 0;
    for (const entry of this.table.entries()) if (before.get(entry.run_id)) kept += 1;
    return { added: this.table.size - kept, updated: 0, removed: before.size - kept, total: this.table.size };
  }
}
