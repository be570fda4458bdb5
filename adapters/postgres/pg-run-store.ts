import type { MoveResult, RunFilter, RunStore, SweepReport } from "../../core/ports/storage.ts";
import { RUN_ID_PATTERN } from "../../core/run/run-layout.ts";
import type { RepoName, RunDraft, RunMeta, RunRecord, RunState, RunStateRecord } from "../../core/types.ts";
import type { PgDb } from "./pg-db.ts";

interface RunRow {
  meta: RunMeta;
  state: RunStateRecord;
  status: RunState;
  [key: string]: unknown;
}

/** Told the run id of every run whose state changed, so live views wake at once. */
export const RUN_CHANNEL = "quire_run";

const recordOf = (row: RunRow): RunRecord => ({ meta: row.meta, state: { ...row.state, status: row.status } });

/** The lease as columns too, so the queue and reconcile can ask PostgreSQL about it directly. */
const leaseColumns = (state: RunStateRecord): [string | null, string | null] => [
  state.lease?.owner ?? null,
  state.lease?.expires_at ?? null,
];

/**
 * Run records as rows. Every change is one conditional UPDATE (`WHERE status = from`),
 * so of two racing moves exactly one wins; run numbers come from a per-repo counter row
 * bumped in the same statement as the insert, so a failed insert leaves no gap.
 */
export class PgRunStore implements RunStore {
  constructor(private readonly db: PgDb) {}

  async createRun(draft: RunDraft): Promise<RunRecord> {
    const meta = draft.meta(0);
    const [owner, expires] = leaseColumns(draft.state);
    const { rows } = await this.db.query<{ number: number }>(
      `WITH n AS (
         INSERT INTO repo_counters (repo, last_number) VALUES ($2, 1)
         ON CONFLICT (repo) DO UPDATE SET last_number = repo_counters.last_number + 1
         RETURNING last_number
       )
       INSERT INTO runs (run_id, repo, number, ref, sha, meta, status, state, lease_owner, lease_expires_at)
       SELECT $1, $2, n.last_number, $3, $4, ($5::jsonb || jsonb_build_object('number', n.last_number))::json, $6, $7, $8, $9 FROM n
       RETURNING number`,
      [draft.run_id, draft.repo, meta.ref, meta.sha, JSON.stringify(meta), draft.state.status, JSON.stringify(draft.state), owner, expires],
    );
    const number = rows[0]?.number as number;
    return { meta: draft.meta(number), state: structuredClone(draft.state) };
  }

  async getRun(repo: RepoName, runId: string): Promise<RunRecord | undefined> {
    if (!RUN_ID_PATTERN.test(runId)) return undefined;
    const { rows } = await this.db.query<RunRow>("SELECT meta, state, status FROM runs WHERE run_id = $1 AND repo = $2", [runId, repo]);
    return rows[0] && recordOf(rows[0]);
  }

  async findRun(runId: string): Promise<RunRecord | undefined> {
    if (!RUN_ID_PATTERN.test(runId)) return undefined;
    const { rows } = await this.db.query<RunRow>("SELECT meta, state, status FROM runs WHERE run_id = $1", [runId]);
    return rows[0] && recordOf(rows[0]);
  }

  async listRuns(filter: RunFilter = {}): Promise<RunRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.repo !== undefined) where.push(`repo = $${params.push(filter.repo)}`);
    if (filter.state !== undefined) where.push(`status = $${params.push(filter.state)}`);
    const { rows } = await this.db.query<RunRow>(
      `SELECT meta, state, status FROM runs ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY run_id`,
      params,
    );
    return rows.map(recordOf);
  }

  async moveRun(repo: RepoName, runId: string, from: RunState, next: RunStateRecord): Promise<MoveResult> {
    if (!RUN_ID_PATTERN.test(runId)) return { kind: "not-found" };
    const [owner, expires] = leaseColumns(next);
    // A queue claim reserves a pending run for one runner: nobody else may start it while the claim holds.
    const claimGuard =
      from === "pending" && next.status === "active"
        ? "AND (claimed_by IS NULL OR claimed_by = $6 OR claim_expires_at < now())"
        : "";
    const { rows } = await this.db.query<{ meta: RunMeta }>(
      `UPDATE runs SET status = $4, state = $5, lease_owner = $6, lease_expires_at = $7
       WHERE run_id = $1 AND repo = $2 AND status = $3 ${claimGuard}
       RETURNING meta, pg_notify('${RUN_CHANNEL}', run_id)`,
      [runId, repo, from, next.status, JSON.stringify(next), owner, expires],
    );
    return this.outcome(repo, runId, rows[0]?.meta, next);
  }

  async updateState(repo: RepoName, runId: string, next: RunStateRecord): Promise<MoveResult> {
    if (!RUN_ID_PATTERN.test(runId)) return { kind: "not-found" };
    const [owner, expires] = leaseColumns(next);
    const { rows } = await this.db.query<{ meta: RunMeta }>(
      `UPDATE runs SET state = $4, lease_owner = $5, lease_expires_at = $6
       WHERE run_id = $1 AND repo = $2 AND status = $3
       RETURNING meta, pg_notify('${RUN_CHANNEL}', run_id)`,
      [runId, repo, next.status, JSON.stringify(next), owner, expires],
    );
    return this.outcome(repo, runId, rows[0]?.meta, next);
  }

  private async outcome(repo: RepoName, runId: string, meta: RunMeta | undefined, next: RunStateRecord): Promise<MoveResult> {
    if (meta) return { kind: "moved", record: { meta, state: structuredClone(next) } };
    const { rows } = await this.db.query<{ status: RunState }>("SELECT status FROM runs WHERE run_id = $1 AND repo = $2", [runId, repo]);
    const actual = rows[0]?.status;
    return actual === undefined ? { kind: "not-found" } : { kind: "wrong-state", actual };
  }

  /** Transactions leave nothing half-done to sweep up. */
  async sweep(): Promise<SweepReport> {
    return { removedTemp: 0, rolledForward: [] };
  }
}
