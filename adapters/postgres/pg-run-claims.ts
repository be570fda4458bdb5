import type { StopRequests } from "../../core/ports/stop-requests.ts";
import type { StopReason } from "../../core/run/stop-reason.ts";
import type { RunMeta, RunRecord, RunState, RunStateRecord } from "../../core/types.ts";
import type { PgDb } from "./pg-db.ts";

/** A runner is told here that new runs are pending. */
export const RUNS_CHANNEL = "quire_runs";
/** The holder of an active run is told here to stop it; the payload is the run id. */
export const STOP_CHANNEL = "quire_stop";

const STOP_KINDS = new Set(["cancelled", "superseded", "timed-out"]);

/**
 * The queue in PostgreSQL. A claim reserves the oldest pending run that nobody holds a
 * live claim on, with `FOR UPDATE SKIP LOCKED`, so N runners claiming at once get N
 * different runs and never wait on each other. The claimant alone may then start it
 * (PgRunStore.moveRun checks the claim); a claim whose runner died lapses after its TTL.
 */
export class PgRunClaims implements StopRequests {
  constructor(private readonly db: PgDb) {}

  async claim(owner: string, ttlMs: number): Promise<RunRecord | undefined> {
    const { rows } = await this.db.query<{ meta: RunMeta; state: RunStateRecord; status: RunState }>(
      `UPDATE runs SET claimed_by = $1, claim_expires_at = now() + make_interval(secs => $2::double precision / 1000)
       WHERE run_id = (
         SELECT run_id FROM runs
         WHERE status = 'pending' AND (claimed_by IS NULL OR claim_expires_at < now())
         ORDER BY run_id
         FOR UPDATE SKIP LOCKED
         LIMIT 1
       )
       RETURNING meta, state, status`,
      [owner, ttlMs],
    );
    const row = rows[0];
    return row && { meta: row.meta, state: { ...row.state, status: row.status } };
  }

  /** Hands a claim back (the runner is stopping before it started the run). */
  async release(runId: string, owner: string): Promise<void> {
    await this.db.query("UPDATE runs SET claimed_by = NULL, claim_expires_at = NULL WHERE run_id = $1 AND claimed_by = $2", [runId, owner]);
  }

  async request(run: RunRecord, reason: StopReason): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE runs SET stop_request = $2 WHERE run_id = $1 AND status = 'active'
       RETURNING pg_notify('${STOP_CHANNEL}', run_id)`,
      [run.meta.run_id, JSON.stringify(reason)],
    );
    return rowCount > 0;
  }

  /** Stop requests for runs among `runIds` that are still active: the poll behind the notification. */
  async pendingStops(runIds: readonly string[]): Promise<Map<string, StopReason>> {
    const stops = new Map<string, StopReason>();
    if (runIds.length === 0) return stops;
    const { rows } = await this.db.query<{ run_id: string; stop_request: Partial<StopReason> }>(
      "SELECT run_id, stop_request FROM runs WHERE run_id = ANY($1::text[]) AND status = 'active' AND stop_request IS NOT NULL",
      [runIds],
    );
    for (const { run_id, stop_request } of rows) {
      const kind = STOP_KINDS.has(String(stop_request.kind)) ? (stop_request.kind as StopReason["kind"]) : "cancelled";
      stops.set(run_id, { kind, message: String(stop_request.message ?? kind) });
    }
    return stops;
  }

  /** Tells idle runners that runs are waiting. */
  async wake(): Promise<void> {
    await this.db.query(`SELECT pg_notify('${RUNS_CHANNEL}', '')`);
  }
}
