import { StorageError } from "../../core/errors.ts";
import { MIGRATIONS, type Migration } from "./migrations.ts";
import type { PgDb, Queryable } from "./pg-db.ts";

/** Any constant works; it only has to be the same for every quire process on one database. */
const MIGRATION_LOCK = 0x71756972; // "quir"

export interface MigrateReport {
  applied: number[];
  /** The schema version after the run. */
  version: number;
}

async function lockedVersions(q: Queryable): Promise<Set<number>> {
  // Servers and runners start together; the lock makes the second wait, then find nothing to do.
  await q.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
  await q.query(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
  );
  const { rows } = await q.query<{ version: number }>("SELECT version FROM schema_migrations");
  return new Set(rows.map((r) => r.version));
}

/**
 * Brings the database up to the newest schema this build knows, one transaction per
 * step. A database newer than this build is refused rather than used half-understood.
 */
export async function migrate(db: PgDb, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrateReport> {
  const known = Math.max(0, ...migrations.map((m) => m.version));
  const applied: number[] = [];
  for (const step of [...migrations].sort((a, b) => a.version - b.version)) {
    await db.tx(async (q) => {
      const done = await lockedVersions(q);
      const newest = Math.max(0, ...done);
      if (newest > known) {
        throw new StorageError(
          "schema_too_new",
          `the database schema is at version ${newest}, newer than this quire knows (${known}); upgrade quire`,
        );
      }
      if (done.has(step.version)) return;
      await q.query(step.sql);
      await q.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [step.version, step.name]);
      applied.push(step.version);
    });
  }
  if (migrations.length === 0) await db.tx(async (q) => void (await lockedVersions(q)));
  return { applied, version: known };
}
