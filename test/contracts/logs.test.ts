import { rm } from "node:fs/promises";
import { join } from "node:path";
import { FakeClock } from "../../adapters/clock/fake-clock.ts";
import { fsLogReader } from "../../adapters/logs/fs-log-reader.ts";
import { FsRunFiles } from "../../adapters/logs/fs-run-files.ts";
import { memoryLogReader } from "../../adapters/logs/memory-log-reader.ts";
import { MemoryRunFiles } from "../../adapters/logs/memory-run-files.ts";
import { pgLogReader } from "../../adapters/postgres/pg-log-reader.ts";
import { PgRunFiles } from "../../adapters/postgres/pg-run-files.ts";
import { PgRunStore } from "../../adapters/postgres/pg-run-store.ts";
import { FsRunStore } from "../../adapters/storage/fs-run-store.ts";
import { MemoryRunStore } from "../../adapters/storage/memory-run-store.ts";
import { usePostgres } from "../support/pg-suite.ts";
import { logReaderContract, logWriterContract } from "./logs.contract.ts";
import { tempDir } from "../support/temp-dir.ts";

async function onDisk() {
  const dir = await tempDir("quire-logs-contract-");
  const store = new FsRunStore(join(dir, "runs"));
  const clock = new FakeClock();
  return {
    store,
    clock,
    files: new FsRunFiles(store.layout, clock),
    reader: fsLogReader(store.layout),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

function inMemory() {
  const store = new MemoryRunStore();
  const clock = new FakeClock();
  const files = new MemoryRunFiles(store, clock);
  return { store, clock, files, reader: memoryLogReader(files), cleanup: async () => undefined };
}

const pg = usePostgres();
async function inPostgres() {
  const db = await pg.fresh();
  const clock = new FakeClock();
  return { store: new PgRunStore(db), clock, files: new PgRunFiles(db, clock), reader: pgLogReader(db), cleanup: async () => undefined };
}

logWriterContract("fs", onDisk);
logWriterContract("memory", async () => inMemory());
logWriterContract("postgres", inPostgres);

logReaderContract("fs", onDisk);
logReaderContract("memory", async () => inMemory());
logReaderContract("postgres", inPostgres);
