import { describe, expect, it } from "vitest";
import { FakeClock } from "../../adapters/clock/fake-clock.ts";
import { FakeIds } from "../../adapters/ids/fake-ids.ts";
import { migrate } from "../../adapters/postgres/migrate.ts";
import { MIGRATIONS } from "../../adapters/postgres/migrations.ts";
import { PgDb } from "../../adapters/postgres/pg-db.ts";
import { pgLogReader } from "../../adapters/postgres/pg-log-reader.ts";
import { CHUNK_MAX } from "../../adapters/postgres/pg-log-sink.ts";
import { PgRunClaims } from "../../adapters/postgres/pg-run-claims.ts";
import { PgRunFiles } from "../../adapters/postgres/pg-run-files.ts";
import { PgRunStore } from "../../adapters/postgres/pg-run-store.ts";
import { StorageError } from "../../core/errors.ts";
import { leaseFor } from "../../core/run/lease.ts";
import { createRedactor } from "../../core/logs/redact.ts";
import type { RepoName } from "../../core/types.ts";
import { usePostgres } from "../support/pg-suite.ts";
import { pendingDraft } from "../support/run-fixtures.ts";

const pg = usePostgres();
const REPO = "demo.git" as RepoName;
const clock = new FakeClock();

const draft = (ids = new FakeIds()) => pendingDraft({ repo: REPO, ids, clock });

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

describe("migrations", () => {
  it("apply once, in order, even when several processes start at the same time", async () => {
    const url = await pg.server().database("mig");
    const pools = [new PgDb(url), new PgDb(url), new PgDb(url)];
    try {
      const reports = await Promise.all(pools.map((db) => migrate(db)));
      expect(reports.flatMap((r) => r.applied)).toEqual(MIGRATIONS.map((m) => m.version));
      const { rows } = await pools[0]!.query<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version");
      expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
      expect((await migrate(pools[0]!)).applied).toEqual([]);
    } finally {
      await Promise.all(pools.map((db) => db.close()));
    }
  });

  it("roll a failing step back whole and refuse a schema newer than this build", async () => {
    const db = new PgDb(await pg.server().database("mig"));
    try {
      const broken = [...MIGRATIONS, { version: 99, name: "broken", sql: "CREATE TABLE half (x int); SELECT no_such_function();" }];
      await expect(migrate(db, broken)).rejects.toMatchObject({ name: "StorageError", code: "db_failed" });
      const half = await db.query("SELECT to_regclass('half') IS NULL AS gone");
      expect(half.rows[0]).toEqual({ gone: true });
      await migrate(db, [...MIGRATIONS, { version: 99, name: "later", sql: "CREATE TABLE later (x int)" }]);
      const refused = await migrate(db).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(StorageError);
      expect((refused as StorageError).code).toBe("schema_too_new");
    } finally {
      await db.close();
    }
  });
});

describe("PgRunStore", () => {
  it("leaves no gap in run numbers when a create fails", async () => {
    const store = new PgRunStore(await pg.fresh());
    const ids = new FakeIds();
    const first = draft(ids);
    await store.createRun(first);
    await expect(store.createRun({ ...draft(ids), run_id: first.run_id })).rejects.toBeInstanceOf(StorageError);
    expect((await store.createRun(draft(ids))).meta.number).toBe(2);
  });

  it("keeps any text a pipeline produces, NUL and all, and mirrors the lease in columns", async () => {
    const db = await pg.fresh();
    const store = new PgRunStore(db);
    const run = await store.createRun(draft());
    const lease = leaseFor("host:1:abc", clock);
    const next = { ...run.state, status: "active" as const, lease, error: "bad \u0000 byte" };
    expect((await store.moveRun(REPO, run.meta.run_id, "pending", next)).kind).toBe("moved");
    expect((await store.getRun(REPO, run.meta.run_id))?.state.error).toBe("bad \u0000 byte");
    const { rows } = await db.query<{ lease_owner: string; expires: string }>(
      "SELECT lease_owner, to_char(lease_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS expires FROM runs",
    );
    expect(rows[0]).toEqual({ lease_owner: "host:1:abc", expires: lease.expires_at });
  });

  it("reports an unreachable database as db_unavailable without the connection string", async () => {
    const db = new PgDb("postgres://quire:hunter2-secret@127.0.0.1:1/none");
    try {
      const error = await new PgRunStore(db).listRuns().catch((e: unknown) => e);
      expect(error).toMatchObject({ name: "StorageError", code: "db_unavailable" });
      expect(String((error as Error).message)).not.toContain("hunter2");
    } finally {
      await db.close();
    }
  });
});

describe("PgRunFiles logs", () => {
  it("stores a big log as bounded chunks and reads it back from any offset", async () => {
    const db = await pg.fresh();
    const store = new PgRunStore(db);
    const files = new PgRunFiles(db, clock);
    const run = await store.createRun(draft());
    const writer = await files.openLog(REPO, run.meta.run_id, "test", 1, {
      redactor: createRedactor([]),
      capBytes: 1 << 24,
      captureBytes: 1 << 10,
    });
    const line = "x".repeat(999) + "\n";
    for (let i = 0; i < 300; i++) await writer.write("stdout", new TextEncoder().encode(line));
    await writer.close();
    const { rows } = await db.query<{ n: string; biggest: number }>("SELECT count(*)::text AS n, max(length(data)) AS biggest FROM log_chunks");
    expect(Number(rows[0]?.n)).toBeGreaterThan(1);
    expect(rows[0]?.biggest).toBeLessThanOrEqual(CHUNK_MAX);
    const whole = await files.readFile(REPO, run.meta.run_id, "jobs/test/sh-1.log");
    expect(whole?.split("\n").filter(Boolean)).toHaveLength(300);
    const reader = pgLogReader(db);
    const opened = await reader.open(REPO, run.meta.run_id, "jobs/test/sh-1.log", 70_001);
    expect(opened?.size).toBe(Buffer.byteLength(whole ?? ""));
    const rest = await text(opened!.stream);
    expect(rest.length).toBe((whole ?? "").length - 70_001);
    expect(rest === whole?.slice(70_001)).toBe(true);
    const end = await reader.open(REPO, run.meta.run_id, "jobs/test/sh-1.log", 10 ** 9);
    expect(await text(end!.stream)).toBe("");
    expect(await reader.open(REPO, run.meta.run_id, "jobs/test/sh-2.log", 0)).toBeUndefined();
    expect(await reader.open("other.git" as RepoName, run.meta.run_id, "jobs/test/sh-1.log", 0)).toBeUndefined();
  });
});

describe("PgRunClaims", () => {
  it("gives each of many racing claimers different runs, oldest first, until none is left", async () => {
    const db = await pg.fresh();
    const store = new PgRunStore(db);
    const ids = new FakeIds();
    const made: string[] = [];
    for (let i = 0; i < 120; i++) made.push((await store.createRun(draft(ids))).meta.run_id);
    const claimers = Array.from({ length: 8 }, (_, i) => ({ owner: `host:${i}:x`, claims: new PgRunClaims(db) }));
    const got = await Promise.all(
      claimers.map(async ({ owner, claims }) => {
        const mine: string[] = [];
        for (let run = await claims.claim(owner, 30_000); run; run = await claims.claim(owner, 30_000)) mine.push(run.meta.run_id);
        return mine;
      }),
    );
    expect(got.flat().sort()).toEqual([...made].sort());
    for (const mine of got) expect(mine).toEqual([...mine].sort());
  });

  it("lets only the claimant start a claimed run until the claim lapses", async () => {
    const db = await pg.fresh();
    const store = new PgRunStore(db);
    const claims = new PgRunClaims(db);
    const run = await store.createRun(draft());
    await claims.claim("host:1:a", 30_000);
    const start = (owner: string) => store.moveRun(REPO, run.meta.run_id, "pending", { ...run.state, status: "active", lease: leaseFor(owner, clock) });
    expect(await start("host:2:b")).toEqual({ kind: "wrong-state", actual: "pending" });
    expect(await claims.claim("host:2:b", 30_000)).toBeUndefined();
    await db.query("UPDATE runs SET claim_expires_at = now() - interval '1 second'");
    expect((await claims.claim("host:2:b", 30_000))?.meta.run_id).toBe(run.meta.run_id);
    expect((await start("host:2:b")).kind).toBe("moved");
  });

  it("records a stop request only for an active run and hands it to the poll", async () => {
    const db = await pg.fresh();
    const store = new PgRunStore(db);
    const claims = new PgRunClaims(db);
    const run = await store.createRun(draft());
    const reason = { kind: "cancelled" as const, message: "cancelled by request" };
    expect(await claims.request(run, reason)).toBe(false);
    await store.moveRun(REPO, run.meta.run_id, "pending", { ...run.state, status: "active", lease: leaseFor("host:1:a", clock) });
    expect(await claims.request(run, reason)).toBe(true);
    expect(await claims.pendingStops([run.meta.run_id, "0190a000-0000-7000-8000-0000000000ff"])).toEqual(new Map([[run.meta.run_id, reason]]));
  });
});
