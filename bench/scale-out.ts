/**
 * Scale-out over PostgreSQL, against the fs store in the same run:
 *   - throughput of runs of one trivial job with 1, 2 and 4 runner processes (`quire serve
 *     --no-runner` + `quire runner`, concurrency 1 each) vs the all-in-one fs server with
 *     concurrency 1, 2 and 4, from one push event creating all runs to the last one ending;
 *   - claim latency at 100k stored runs: from a pending run to it being owned by a runner
 *     (pg: the SKIP LOCKED claim + the move to active; fs: the move to active the in-process
 *     queue does), p50 and p99.
 * Usage: npm run bench -- scale-out [--runs N] [--stored N] [--claims N]
 */
import { writeFile, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { FakeIds } from "../adapters/ids/fake-ids.ts";
import { migrate } from "../adapters/postgres/migrate.ts";
import { PgDb } from "../adapters/postgres/pg-db.ts";
import { PgRunClaims } from "../adapters/postgres/pg-run-claims.ts";
import { PgRunStore } from "../adapters/postgres/pg-run-store.ts";
import { FsRunStore } from "../adapters/storage/fs-run-store.ts";
import { systemClock } from "../adapters/clock/system-clock.ts";
import { uuidIds } from "../adapters/ids/uuid-ids.ts";
import { draftRun } from "../core/intake/create-run.ts";
import { leaseFor } from "../core/run/lease.ts";
import type { RunStore } from "../core/ports/storage.ts";
import { planTransition } from "../core/run/transition.ts";
import type { RepoName } from "../core/types.ts";
import { resolveHome } from "../functions/node/home.ts";
import { startPostgres } from "../test/support/postgres.ts";
import { tempHome } from "../test/support/quire-process.ts";
import { startRunner, type RunnerProcess } from "../test/support/runner-process.ts";
import { serveRepo, type ServedRepo } from "../test/support/served-repo.ts";
import { generateRuns } from "./scale.ts";
import { intFlag, machineLine, quantile } from "./support/stats.ts";

const PIPELINE = `import { job } from "quire/ci";\njob("test", ["quire/push"], async ({ sh }) => { await sh(["true"]); });\n`;
const say = (text: string) => process.stdout.write(text + "\n");

export async function run(args: string[]): Promise<void> {
  const runs = intFlag(args, "runs", 24);
  const stored = intFlag(args, "stored", 100_000);
  const claims = intFlag(args, "claims", 200);
  process.env.QUIRE_LOG_LEVEL ??= "warn";
  const pg = await startPostgres();
  try {
    say(`throughput: ${runs} runs of one trivial job, all pending at once`);
    say(`  ${"runners".padEnd(8)} ${"fs runs/s".padStart(10)} ${"pg runs/s".padStart(10)}  pg/fs`);
    for (const n of [1, 2, 4]) {
      const fs = await throughput(`concurrency: ${n}\n`, [], 0, runs);
      const url = await pg.database("bench");
      const viaPg = await throughput(`store: { kind: postgres, url: "${url}" }\n`, ["--no-runner"], n, runs, url);
      say(`  ${String(n).padEnd(8)} ${fs.toFixed(2).padStart(10)} ${viaPg.toFixed(2).padStart(10)}  ${(viaPg / fs).toFixed(2)}x`);
    }
    say(`claim latency at ${stored} stored runs (${claims} claims)`);
    const pgMs = await pgClaims(await pg.database("claims"), stored, claims);
    const fsMs = await fsClaims(stored, claims);
    say(`  fs  (move to active)        p50 ${quantile(fsMs, 0.5).toFixed(2).padStart(7)} ms   p99 ${quantile(fsMs, 0.99).toFixed(2).padStart(7)} ms`);
    say(`  pg  (claim + move to active) p50 ${quantile(pgMs, 0.5).toFixed(2).padStart(7)} ms   p99 ${quantile(pgMs, 0.99).toFixed(2).padStart(7)} ms`);
    say(machineLine());
  } finally {
    await pg.stop();
  }
}

/** Runs per second from one push event creating `count` runs (distinct refs, no supersede) to the last one ending. */
async function throughput(config: string, serveArgs: string[], runnerCount: number, count: number, url?: string): Promise<number> {
  const served: ServedRepo = await serveRepo({ repo: "bench.git", config, homePrefix: "quire-bench-", ...(serveArgs.length ? { serveArgs } : {}) });
  const runners: { home: string; process: RunnerProcess }[] = [];
  try {
    for (let i = 0; i < runnerCount; i++) {
      const home = await tempHome("quire-bench-runner-");
      await writeFile(join(home, "config.yml"), `store: { kind: postgres, url: "${url}" }\nsource: { clone_url: "file://${served.home}/repos/{repo}" }\n`);
      runners.push({ home, process: await startRunner(home) });
    }
    const sha = await served.clone.commit({ ".quire/ci.ts": PIPELINE });
    await served.clone.push(["origin", "HEAD:refs/heads/main"]);
    // Warm-up: one run through the whole path (first fetch, first bundle) before the clock starts.
    await post(served, [`refs/heads/warm`], sha);
    await waitTerminal(served, 1);
    const started = performance.now();
    await post(served, Array.from({ length: count }, (_, i) => `refs/heads/b-${i}`), sha);
    await waitTerminal(served, count + 1);
    return count / ((performance.now() - started) / 1000);
  } finally {
    await Promise.all(runners.map((r) => r.process.stop()));
    await served.server.stop();
    for (const dir of [served.home, dirname(served.clone.dir), ...runners.map((r) => r.home)]) await rm(dir, { recursive: true, force: true });
  }
}

async function post(served: ServedRepo, refs: string[], sha: string): Promise<void> {
  const updates = refs.map((ref) => ({ ref, old_sha: "0".repeat(40), new_sha: sha }));
  await served.server.api.push({ type: "push", repo: "bench.git", pushed_at: new Date().toISOString(), refs: updates });
}

async function waitTerminal(served: ServedRepo, total: number): Promise<void> {
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline) {
    const body = await served.server.api.listRuns({ repo: "bench.git", limit: 500 });
    const done = body.runs.filter((r) => r.status === "complete" || r.status === "failed");
    if (done.length >= total) {
      const bad = done.filter((r) => r.outcome !== "succeeded");
      if (bad.length > 0) throw new Error(`${bad.length} runs did not succeed: ${JSON.stringify(bad[0])}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("runs did not finish in 10 minutes");
}

const REPO = "claims.git" as RepoName;
const draft = (ids = uuidIds) =>
  draftRun({ repo: REPO, update: { ref: "refs/heads/main", old_sha: "0".repeat(40), new_sha: "c".repeat(40) }, pushed_at: systemClock.now(), pipeline: ".quire/ci.ts" }, ids, systemClock);

async function toActive(store: RunStore, runId: string, owner: string): Promise<void> {
  const run = await store.getRun(REPO, runId);
  if (!run) throw new Error("run vanished");
  const next = planTransition(run, { to: "active", lease: leaseFor(owner, systemClock) }, systemClock.now());
  if (!next.ok || (await store.moveRun(REPO, runId, "pending", next.value)).kind !== "moved") throw new Error("move failed");
}

async function pgClaims(url: string, stored: number, count: number): Promise<number[]> {
  const db = new PgDb(url);
  try {
    await migrate(db);
    // 100k finished runs over 100 repos, as a year of history would leave them.
    await db.query(
      `INSERT INTO runs (run_id, repo, number, ref, sha, meta, status, state)
       SELECT r.id, r.repo, r.n, 'refs/heads/main', md5(r.id), json_build_object('run_id', r.id, 'repo', r.repo, 'number', r.n),
              CASE WHEN g % 9 = 0 THEN 'failed' ELSE 'complete' END,
              json_build_object('status', 'complete', 'outcome', 'succeeded', 'created_at', '2024-01-01T00:00:00Z', 'lease', null)
       FROM generate_series(1, $1) g
       CROSS JOIN LATERAL (SELECT lpad(to_hex(g), 8, '0') || '-0000-7000-8000-' || lpad(to_hex(g), 12, '0') AS id,
                                  'repo' || (g % 100) || '.git' AS repo, g / 100 + 1 AS n) r`,
      [stored],
    );
    await db.query("ANALYZE runs");
    const store = new PgRunStore(db);
    const queue = new PgRunClaims(db);
    const times: number[] = [];
    for (let i = -20; i < count; i++) {
      await store.createRun(draft());
      const started = performance.now();
      const claimed = await queue.claim("bench:1:a", 30_000);
      if (!claimed) throw new Error("nothing to claim");
      await toActive(store, claimed.meta.run_id, "bench:1:a");
      if (i >= 0) times.push(performance.now() - started);
    }
    return times;
  } finally {
    await db.close();
  }
}

async function fsClaims(stored: number, count: number): Promise<number[]> {
  const home = resolveHome(await tempHome("quire-bench-claims-"));
  try {
    generateRuns(home, stored, 100);
    const store = new FsRunStore(home.runs);
    const ids = new FakeIds();
    const times: number[] = [];
    for (let i = -20; i < count; i++) {
      const run = await store.createRun(draft(ids));
      const started = performance.now();
      await toActive(store, run.meta.run_id, "bench:1:a");
      if (i >= 0) times.push(performance.now() - started);
    }
    return times;
  } finally {
    await rm(home.root, { recursive: true, force: true });
  }
}
