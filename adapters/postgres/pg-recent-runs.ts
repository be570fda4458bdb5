import type { Queryable } from "./pg-db.ts";

/** Enough for any backlog one server can have missed; the rest is older than anyone waits for. */
const LIMIT = 5_000;

/**
 * Runs that may have changed while no server listened: every pending or active run, and
 * the runs that finished since `since` (an ISO time; state.finished_at is one too, so
 * text order is time order). Newest first.
 */
export async function runsToRecheck(db: Queryable, since: string): Promise<string[]> {
  const { rows } = await db.query<{ run_id: string }>(
    `SELECT run_id FROM runs
     WHERE status IN ('pending', 'active')
        OR (status IN ('complete', 'failed') AND state->>'finished_at' >= $1)
     ORDER BY run_id DESC LIMIT ${LIMIT}`,
    [since],
  );
  return rows.map((r) => r.run_id);
}
