import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import pg from "pg";

const SCRIPT = fileURLToPath(new URL("../../scripts/dev-postgres.sh", import.meta.url));

export interface TestPostgres {
  /** The server's admin URL (database `postgres`). */
  url: string;
  /** A new, empty database on this server; its URL. */
  database(prefix?: string): Promise<string>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
  /** Stops the server (`pg_ctl stop`), keeping its data: the database is down. */
  pause(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  resume(): Promise<void>;
}

let made = 0;

/**
 * A throwaway PostgreSQL from Debian's binaries (scripts/dev-postgres.sh): one per test file,
 * each suite its own database, so suites never see each other's rows.
 */
export async function startPostgres(): Promise<TestPostgres> {
  const dir = await mkdtemp(join(tmpdir(), "quire-pg-"));
  let url: string;
  try {
    url = (await execa("bash", [SCRIPT, "start", dir])).stdout.trim();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    async database(prefix = "t") {
      const name = `${prefix}_${process.pid}_${++made}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      const dbUrl = new URL(url);
      dbUrl.pathname = `/${name}`;
      return dbUrl.toString();
    },
    async pause() {
      await execa("bash", [SCRIPT, "stop", dir]);
    },
    async resume() {
      await execa("bash", [SCRIPT, "start", dir, new URL(url).port]);
    },
    async stop() {
      await execa("bash", [SCRIPT, "stop", dir], { reject: false });
      await rm(dir, { recursive: true, force: true });
    },
  };
}
