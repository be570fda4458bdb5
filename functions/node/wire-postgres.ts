import { systemClock } from "../../adapters/clock/system-clock.ts";
import { IndexedRunStore } from "../../adapters/index/indexed-run-store.ts";
import { pinoLogger } from "../../adapters/logger/pino-logger.ts";
import { migrate } from "../../adapters/postgres/migrate.ts";
import { PgDb } from "../../adapters/postgres/pg-db.ts";
import { pgLogReader } from "../../adapters/postgres/pg-log-reader.ts";
import { PgRunClaims } from "../../adapters/postgres/pg-run-claims.ts";
import { PgRunFiles } from "../../adapters/postgres/pg-run-files.ts";
import { PgRunIndex } from "../../adapters/postgres/pg-run-index.ts";
import { PgRunStore } from "../../adapters/postgres/pg-run-store.ts";
import { indexResolver } from "../../core/index/run-index-resolver.ts";
import type { StoreSpec } from "./config.ts";
import type { StoreDeps } from "./home-deps.ts";
import type { Home } from "./home.ts";
import { hostParts } from "./wire-host.ts";

export type PostgresSpec = Extract<StoreSpec, { kind: "postgres" }>;

/**
 * The store half of a home over PostgreSQL (wire-home.ts completes it, and loads this module
 * only where PostgreSQL is configured): runs, numbers, the index, run files and the queue in
 * the database; the schema brought up to date first. The home still holds the bare repos,
 * the hook token and workspaces of this host.
 */
export async function wirePostgres(home: Home, spec: PostgresSpec, role: "serve" | "runner"): Promise<StoreDeps> {
  const logger = pinoLogger();
  const db = new PgDb(spec.url, { max: spec.pool, applicationName: `quire-${role}` });
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  const index = new PgRunIndex(db);
  const store = new IndexedRunStore(new PgRunStore(db), index, systemClock, logger);
  const host = hostParts(home, logger);
  return {
    store,
    index,
    files: new PgRunFiles(db, systemClock),
    logs: pgLogReader(db),
    resolver: indexResolver(index, store),
    ...host,
    backend: { kind: "postgres", db, claims: new PgRunClaims(db) },
    async close() {
      host.git.close();
      await db.close();
    },
  };
}
