import type { IndexEntry } from "../../core/index/run-index.ts";
import type { IndexRepairReport, IndexView, RunIndex } from "../../core/ports/run-index.ts";
import { RunIndexTable } from "../../core/index/run-index-table.ts";
import type { Outcome, RepoName, RunState } from "../../core/types.ts";
import type { PgDb, Queryable } from "./pg-db.ts";

const COLUMNS = "run_id, repo, number, ref, sha, status, outcome, updated_at, last_job";
const RANK = (s: string) => `(CASE ${s} WHEN 'pending' THEN 0 WHEN 'active' THEN 1 ELSE 2 END)`;
const TICK = "UPDATE index_clock SET tick = tick + 1 WHERE id = 1 RETURNING tick";
/** An index entry made from a run row, as `entryOf(run, recordedAt(run))` makes it from a directory. */
const FROM_RUN = `r.run_id, r.repo, r.number, r.ref, r.sha, r.status, r.state->>'outcome',
  GREATEST(r.state->>'created_at', r.state->>'started_at', r.state->>'finished_at') COLLATE "C", r.state->>'last_job'`;
const DIFFERS = `(i.repo, i.number, i.ref, i.sha, i.status, i.outcome, i.last_job)
  IS DISTINCT FROM (r.repo, r.number, r.ref, r.sha, r.status, r.state->>'outcome', r.state->>'last_job')`;

interface EntryRow extends Omit<IndexEntry, "repo" | "status" | "outcome"> {
  repo: string;
  status: string;
  outcome: string | null;
  tick: string;
  removed: boolean;
  [key: string]: unknown;
}

const entryOf = (row: EntryRow): IndexEntry => ({
  run_id: row.run_id,
  repo: row.repo as RepoName,
  number: row.number,
  ref: row.ref,
  sha: row.sha,
  status: row.status as RunState,
  outcome: row.outcome as Outcome | null,
  updated_at: row.updated_at,
  last_job: row.last_job,
});

/**
 * The run index as a table beside the runs, derived from them like index.json is from
 * the run directories. Each process keeps a RunIndexTable in memory and, on every read,
 * pulls only the entries whose tick is past the last one it saw: one cheap query, and
 * it sees every upsert any process finished before the read.
 */
export class PgRunIndex implements RunIndex {
  private table = new RunIndexTable();
  private seen = 0;
  private reading: Promise<IndexView> | undefined;
  private nextRead: Promise<IndexView> | undefined;

  constructor(private readonly db: PgDb) {}

  async upsert(entry: IndexEntry): Promise<void> {
    // Runs only move forward: an older transition landing late never undoes a newer one.
    await this.db.query(
      `WITH t AS (${TICK})
       INSERT INTO run_index (${COLUMNS}, tick, removed)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, t.tick, false FROM t
       ON CONFLICT (run_id) DO UPDATE SET repo = EXCLUDED.repo, number = EXCLUDED.number, ref = EXCLUDED.ref,
         sha = EXCLUDED.sha, status = EXCLUDED.status, outcome = EXCLUDED.outcome, updated_at = EXCLUDED.updated_at,
         last_job = EXCLUDED.last_job, tick = EXCLUDED.tick, removed = false
       WHERE run_index.removed
          OR (run_index.repo, run_index.number, run_index.ref, run_index.sha) IS DISTINCT FROM (EXCLUDED.repo, EXCLUDED.number, EXCLUDED.ref, EXCLUDED.sha)
          OR ${RANK("EXCLUDED.status")} >= ${RANK("run_index.status")}`,
      [entry.run_id, entry.repo, entry.number, entry.ref, entry.sha, entry.status, entry.outcome, entry.updated_at, entry.last_job],
    );
  }

  /**
   * Concurrent readers share catch-up queries, but never one that began before their
   * call: those wait for the next, which every caller arriving meanwhile shares.
   */
  read(): Promise<IndexView> {
    if (!this.reading) {
      this.reading = this.catchUp().finally(() => (this.reading = undefined));
      return this.reading;
    }
    this.nextRead ??= this.reading.then(
      () => ((this.nextRead = undefined), this.read()),
      () => ((this.nextRead = undefined), this.read()),
    );
    return this.nextRead;
  }

  private async catchUp(): Promise<IndexView> {
    const { rows } = await this.db.query<EntryRow>(
      `SELECT ${COLUMNS}, tick::text AS tick, removed FROM run_index WHERE tick > $1 ORDER BY position`,
      [this.seen],
    );
    for (const row of rows) {
      if (row.removed) this.table.remove(row.run_id);
      else this.table.upsert(entryOf(row));
      this.seen = Math.max(this.seen, Number(row.tick));
    }
    return this.table;
  }

  repair(): Promise<IndexRepairReport> {
    return this.db.tx(async (q) => {
      const tick = await nextTick(q);
      const updated = await q.query(
        `UPDATE run_index i SET (${COLUMNS}) = (SELECT ${FROM_RUN}), tick = $1
         FROM runs r WHERE r.run_id = i.run_id AND NOT i.removed AND ${DIFFERS}`,
        [tick],
      );
      const added = await addMissing(q, tick);
      const removed = await removeVanished(q, tick);
      return { added, updated: updated.rowCount, removed, total: await live(q) };
    });
  }

  rebuild(): Promise<IndexRepairReport> {
    return this.db.tx(async (q) => {
      const tick = await nextTick(q);
      const removed = await removeVanished(q, tick);
      await q.query(`UPDATE run_index i SET (${COLUMNS}) = (SELECT ${FROM_RUN}), tick = $1 FROM runs r WHERE r.run_id = i.run_id`, [tick]);
      const added = await addMissing(q, tick);
      return { added, updated: 0, removed, total: await live(q) };
    });
  }
}

async function nextTick(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ tick: string }>(TICK);
  return Number(rows[0]?.tick);
}

async function addMissing(q: Queryable, tick: number): Promise<number> {
  const { rowCount } = await q.query(
    `INSERT INTO run_index (${COLUMNS}, tick, removed)
     SELECT ${FROM_RUN}, $1, false FROM runs r LEFT JOIN run_index i ON i.run_id = r.run_id WHERE i.run_id IS NULL OR i.removed
     ON CONFLICT (run_id) DO UPDATE SET repo = EXCLUDED.repo, number = EXCLUDED.number, ref = EXCLUDED.ref, sha = EXCLUDED.sha,
       status = EXCLUDED.status, outcome = EXCLUDED.outcome, updated_at = EXCLUDED.updated_at, last_job = EXCLUDED.last_job,
       tick = EXCLUDED.tick, removed = false`,
    [tick],
  );
  return rowCount;
}

async function removeVanished(q: Queryable, tick: number): Promise<number> {
  const { rowCount } = await q.query(
    "UPDATE run_index i SET removed = true, tick = $1 WHERE NOT i.removed AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.run_id = i.run_id)",
    [tick],
  );
  return rowCount;
}

async function live(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ n: string }>("SELECT count(*)::text AS n FROM run_index WHERE NOT removed");
  return Number(rows[0]?.n);
}
