import { afterAll, beforeAll } from "vitest";
import { migrate } from "../../adapters/postgres/migrate.ts";
import { PgDb } from "../../adapters/postgres/pg-db.ts";
import { startPostgres, type TestPostgres } from "./postgres.ts";

export interface PgSuite {
  server(): TestPostgres;
  /** A pool on this suite's database, emptied of runs, migrated; closed after the suite. */
  fresh(): Promise<PgDb>;
}

/**
 * One throwaway server for the test file, one database for the suite. `fresh()` empties
 * the run tables, which is much faster than a database per test.
 */
export function usePostgres(): PgSuite {
  let server: TestPostgres | undefined;
  let url: string | undefined;
  const pools: PgDb[] = [];
  beforeAll(async () => {
    server = await startPostgres();
    url = await server.database("suite");
    const db = new PgDb(url);
    await migrate(db);
    await db.close();
  });
  afterAll(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close().catch(() => undefined)));
    await server?.stop();
  });
  return {
    server: () => {
      if (!server) throw new Error("postgres not started");
      return server;
    },
    async fresh() {
      if (!url) throw new Error("postgres not started");
      const db = new PgDb(url, { max: 4 });
      pools.push(db);
      await db.query("TRUNCATE runs, repo_counters, run_index, run_files, run_logs, log_chunks");
      return db;
    },
  };
}
