import pg from "pg";
import { StorageError } from "../../core/errors.ts";

export type Row = Record<string, unknown>;

/** What queries need, from the pool or from one transaction's client. */
export interface Queryable {
  query<R extends Row = Row>(sql: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number }>;
}

// SQLSTATE classes that mean the database cannot be reached or is going away.
const UNAVAILABLE = /^(08|57P0[1-3]|53300)/;
const NETWORK = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EHOSTUNREACH", "EPIPE"]);

/** True when the error means "PostgreSQL is down or out of reach", not "this query was wrong". */
export function isUnavailable(error: unknown): boolean {
  const e = error as { code?: unknown; cause?: unknown } | undefined;
  if (e instanceof StorageError) return e.code === "db_unavailable";
  const code = typeof e?.code === "string" ? e.code : "";
  if (UNAVAILABLE.test(code) || NETWORK.has(code)) return true;
  return error instanceof Error && /Connection terminated|connection timeout|Client has encountered a connection error/i.test(error.message);
}

/**
 * Vendor errors stop here. The message names what was being done and PostgreSQL's own
 * reason, never the connection string (it may hold a password).
 */
export function storageError(what: string, cause: unknown): StorageError {
  if (cause instanceof StorageError) return cause;
  if (isUnavailable(cause)) return new StorageError("db_unavailable", `PostgreSQL is unavailable (${what})`, { cause });
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new StorageError("db_failed", `PostgreSQL ${what} failed: ${reason}`, { cause });
}

/** A connection pool whose every failure is a StorageError. */
export class PgDb implements Queryable {
  readonly pool: pg.Pool;

  constructor(readonly url: string, options: { max?: number; applicationName?: string } = {}) {
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.max ?? 10,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      application_name: options.applicationName ?? "quire",
    });
    // An idle client losing its connection must not crash the process; the next query reports it.
    this.pool.on("error", () => undefined);
  }

  async query<R extends Row = Row>(sql: string, params: unknown[] = []): Promise<{ rows: R[]; rowCount: number }> {
    try {
      const result = await this.pool.query<R>(sql, params);
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    } catch (error) {
      throw storageError("query", error);
    }
  }

  /** Runs `work` in one transaction: committed when it returns, rolled back when it throws. */
  async tx<T>(work: (client: Queryable) => Promise<T>, isolation = "READ COMMITTED"): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw storageError("connect", error);
    }
    const q: Queryable = {
      async query<R extends Row = Row>(sql: string, params: unknown[] = []) {
        try {
          const result = await client.query<R>(sql, params);
          return { rows: result.rows, rowCount: result.rowCount ?? 0 };
        } catch (error) {
          throw storageError("query", error);
        }
      },
    };
    let broken = false;
    try {
      await q.query(`BEGIN ISOLATION LEVEL ${isolation}`);
      const value = await work(q);
      await q.query("COMMIT");
      return value;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {
        broken = true;
      });
      throw storageError("transaction", error);
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
