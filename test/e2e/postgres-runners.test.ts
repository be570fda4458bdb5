import { rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PgDb } from "../../adapters/postgres/pg-db.ts";
import { LEASE_TTL_MS } from "../../core/run/lease.ts";
import { WorkClone } from "../support/git.ts";
import { usePostgres } from "../support/pg-suite.ts";
import { quire, tempHome } from "../support/quire-process.ts";
import { readLog, runIdsFromPush, waitForRun, type RunView } from "../support/runs-api.ts";
import { startRunner, type RunnerProcess } from "../support/runner-process.ts";
import { serveRepo, type ServedRepo } from "../support/served-repo.ts";

/**
 * One server, three runner processes, one PostgreSQL, 300 pushed refs through the installed
 * hook (150 to each of two repos, ten refs per git push), each a run of one `sh` call.
 */
const RUNS_PER_REPO = 150;
const REFS_PER_PUSH = 10;

const pg = usePostgres();
const cleanup: (() => Promise<unknown>)[] = [];
let url: string;
let db: PgDb;
let served: ServedRepo;
let lib: WorkClone;
const runners: { home: string; process: RunnerProcess }[] = [];

const PIPELINE = (command: string) => `import { job } from "quire/ci";\njob("test", ["quire/push"], async ({ sh }) => { await sh(${JSON.stringify(command)}); });\n`;

async function addRunner(): Promise<RunnerProcess> {
  const dir = await tempHome("quire-runner-");
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, "config.yml"), `store: { kind: postgres, url: "${url}" }\nsource: { clone_url: "file://${served.home}/repos/{repo}" }\n`);
  const process = await startRunner(dir, [], { QUIRE_LOG_LEVEL: "info" });
  runners.push({ home: dir, process });
  return process;
}

/** Pushes `count` new branches of the clone's HEAD, REFS_PER_PUSH per push; returns the run ids the hook reported. */
async function pushBranches(clone: WorkClone, prefix: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let at = 0; at < count; at += REFS_PER_PUSH) {
    const refs = Array.from({ length: Math.min(REFS_PER_PUSH, count - at) }, (_, i) => `HEAD:refs/heads/${prefix}-${at + i}`);
    ids.push(...runIdsFromPush(await clone.push(["origin", ...refs])));
  }
  return ids;
}

async function waitAll(ids: string[], timeoutMs = 150_000): Promise<RunView[]> {
  const views: RunView[] = [];
  for (const id of ids) views.push(await waitForRun(served.server, id, undefined, timeoutMs));
  return views;
}

beforeAll(async () => {
  url = await pg.server().database("runners");
  db = new PgDb(url);
  served = await serveRepo({ config: `store: { kind: postgres, url: "${url}" }\n`, serveArgs: ["--no-runner"] });
  cleanup.push(() => served.server.stop(), () => rm(served.home, { recursive: true, force: true }), () => rm(dirname(served.clone.dir), { recursive: true, force: true }));
  const made = await quire(["repo", "new", "work/lib.git", "--home", served.home]);
  if (made.exitCode !== 0) throw new Error(made.stderr);
  lib = await WorkClone.of(join(served.home, "repos", "work", "lib.git"));
  cleanup.push(() => rm(dirname(lib.dir), { recursive: true, force: true }));
  for (let i = 0; i < 3; i++) await addRunner();
});

afterAll(async () => {
  await Promise.all(runners.map((r) => r.process.stop()));
  await db?.close();
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
});

describe("three runners on one PostgreSQL", () => {
  it("drain pushes through the hook: every run executed exactly once, numbers gapless per repo, logs served", async () => {
    await served.clone.commit({ ".quire/ci.ts": PIPELINE("echo executed once") });
    await lib.commit({ ".quire/ci.ts": PIPELINE("echo executed once") });
    const ids = [...(await pushBranches(served.clone, "demo", RUNS_PER_REPO)), ...(await pushBranches(lib, "lib", RUNS_PER_REPO))];
    expect(new Set(ids).size).toBe(2 * RUNS_PER_REPO);

    const views = await waitAll(ids);
    expect(views.filter((v) => v.outcome !== "succeeded")).toEqual([]);
    for (const repo of ["demo.git", "work/lib.git"]) {
      const numbers = views.filter((v) => v.repo === repo).map((v) => v.number).sort((a, b) => a - b);
      expect(numbers).toEqual(Array.from({ length: RUNS_PER_REPO }, (_, i) => i + 1));
    }
    // Executed exactly once: one sh log per run, holding the one line its one sh call wrote...
    for (const id of ids) expect((await readLog(served.server, id, "test")).match(/stdout F executed once$/gm)).toHaveLength(1);
    const { rows } = await db.query<{ logs: string }>("SELECT count(*)::text AS logs FROM run_logs");
    expect(Number(rows[0]?.logs)).toBe(ids.length);
    // ...claimed once, and the work spread over the runners.
    const claims = runners.flatMap((r) => [...r.process.stderr().matchAll(/"run_id":"([0-9a-f-]{36})"[^\n]*"msg":"claimed run"/g)].map((m) => m[1]));
    expect(claims.sort()).toEqual([...ids].sort());
    for (const r of runners) expect(r.process.stderr()).toContain('"msg":"claimed run"');
  }, 300_000);

  it("orphans the run of a runner killed with -9 within one lease period; the other runners keep draining", async () => {
    await served.clone.commit({ ".quire/ci.ts": PIPELINE("echo long run; sleep 30") });
    const [long] = await pushBranches(served.clone, "long", 1);
    if (!long) throw new Error("no run");
    await waitForRun(served.server, long, (r) => r.status === "active");
    const { rows } = await db.query<{ lease_owner: string }>("SELECT lease_owner FROM runs WHERE run_id = $1", [long]);
    const victim = runners.find((r) => r.process.owner === rows[0]?.lease_owner);
    if (!victim) throw new Error(`no runner owns ${long}: ${rows[0]?.lease_owner}`);

    await served.clone.commit({ ".quire/ci.ts": PIPELINE("echo short; sleep 1") });
    const during = await pushBranches(served.clone, "during", 4);
    await victim.process.kill();
    const after = await pushBranches(served.clone, "after", 10);

    // Within one lease period (plus the 10 s reconcile tick): the process behind the lease is gone.
    const orphaned = await waitForRun(served.server, long, undefined, LEASE_TTL_MS + 15_000);
    expect(orphaned).toMatchObject({ status: "failed", outcome: "orphaned" });
    expect(orphaned.error).toContain(victim.process.owner);
    const rest = await waitAll([...during, ...after]);
    // No other run is affected: a run the victim had claimed but not started lapses to another
    // runner and succeeds; only a run the victim itself had started may end orphaned.
    expect(rest.filter((v) => v.outcome !== "succeeded" && !(v.outcome === "orphaned" && v.error?.includes(victim.process.owner)))).toEqual([]);
    const survivors = runners.filter((r) => r !== victim);
    const drained = survivors.flatMap((r) => [...r.process.stderr().matchAll(/"run_id":"([0-9a-f-]{36})"[^\n]*"msg":"claimed run"/g)].map((m) => m[1]));
    expect(drained).toEqual(expect.arrayContaining(after));
  }, 120_000);
});
