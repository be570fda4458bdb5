import { FakeClock } from "../../adapters/clock/fake-clock.ts";
import { PgRunFiles } from "../../adapters/postgres/pg-run-files.ts";
import { PgRunIndex } from "../../adapters/postgres/pg-run-index.ts";
import { PgRunStore } from "../../adapters/postgres/pg-run-store.ts";
import { rigOver } from "../support/index-fixtures.ts";
import { runIndexContract } from "./index.contract.ts";
import { runFilesContract } from "./run-files.contract.ts";
import { runStoreContract } from "./run-store.contract.ts";
import { usePostgres } from "../support/pg-suite.ts";

// The same contract suites the fs and memory adapters pass, over a real PostgreSQL.
const pg = usePostgres();

runStoreContract("postgres", async () => ({ store: new PgRunStore(await pg.fresh()) }));

runFilesContract("postgres", async () => {
  const db = await pg.fresh();
  const clock = new FakeClock();
  return { store: new PgRunStore(db), clock, files: new PgRunFiles(db, clock) };
});

runIndexContract("postgres", async () => {
  const db = await pg.fresh();
  return rigOver("postgres", new PgRunStore(db), new PgRunIndex(db));
});
