import { describe, expect, it } from "vitest";
import { FakeClock } from "../../adapters/clock/fake-clock.ts";
import { FakeGit } from "../../adapters/git/fake-git.ts";
import { FakeIds } from "../../adapters/ids/fake-ids.ts";
import { fixedLiveness } from "../support/fixed-liveness.ts";
import { MemoryRunStore } from "../../adapters/storage/memory-run-store.ts";
import { leaseFor } from "../../core/run/lease.ts";
import type { Logger } from "../../core/ports/logger.ts";
import { idResolver } from "../../core/index/id-resolver.ts";
import { planTransition } from "../../core/run/transition.ts";
import type { RepoName, RunRecord } from "../../core/types.ts";
import type { HomeDeps } from "../../functions/node/home-deps.ts";
import { createWorker } from "../../functions/worker.ts";
import { reconcile } from "../../core/maintenance/reconcile.ts";
import { memoryDeps } from "../support/memory-deps.ts";

const TOKEN = "worker-token";
const PIPELINE_SHA = "1".repeat(40);
const PLAIN_SHA = "2".repeat(40);
const repo = "work/foo.git" as RepoName;

function setup(overrides: Partial<HomeDeps> = {}) {
  const store = new MemoryRunStore();
  const clock = new FakeClock();
  const logged: { level: string; msg: string; obj: Record<string, unknown> }[] = [];
  const logger: Logger = {
    info: (obj, msg) => void logged.push({ level: "info", msg, obj }),
    warn: (obj, msg) => void logged.push({ level: "warn", msg, obj }),
    error: (obj, msg) => void logged.push({ level: "error", msg, obj }),
  };
  const requeued: string[] = [];
  const created: string[] = [];
  const liveness = fixedLiveness("worker:1:self");
  const runs = overrides.store ?? store;
  const deps = memoryDeps({
    store,
    git: new FakeGit().commit(repo, PIPELINE_SHA, [".quire/ci.ts"]).commit(repo, PLAIN_SHA, ["README.md"]),
    clock,
    ids: new FakeIds(),
    liveness,
    logger,
    resolver: idResolver(store),
    hookToken: () => TOKEN,
    reconcile: () => reconcile({ store: runs, clock, liveness, requeue: (run) => void requeued.push(run.meta.run_id) }),
    onRunsCreated: (runs) => void created.push(...runs.map((r) => r.meta.run_id)),
    ...overrides,
  });
  return { worker: createWorker(deps), store, clock, logged, requeued, created };
}

const push = (refs: { ref: string; new_sha: string }[], token = TOKEN) =>
  new Request("http://quire.test/events/push", {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ type: "push", repo, pushed_at: "2026-11-21T10:00:00Z", refs: refs.map((r) => ({ old_sha: "0".repeat(40), ...r })) }),
  });

const controller = { cron: "*/5 * * * *", scheduledTime: Date.parse("2026-11-21T10:05:00Z") };

describe("worker fetch", () => {
  it("takes a push, creates runs only for refs with a pipeline, and serves them back", async () => {
    const { worker, store, created } = setup();
    const response = await worker.fetch(push([{ ref: "refs/heads/main", new_sha: PIPELINE_SHA }, { ref: "refs/heads/docs", new_sha: PLAIN_SHA }]));
    expect(response.status).toBe(202);
    const body = (await response.json()) as { runs: { run_id: string; number: number }[]; skipped: unknown[] };
    expect(body.runs).toEqual([expect.objectContaining({ repo, number: 1, sha: PIPELINE_SHA, status: "pending" })]);
    expect(body.skipped).toEqual([{ ref: "refs/heads/docs", reason: "no-pipeline" }]);
    const id = body.runs[0]?.run_id ?? "";
    expect(created).toEqual([id]);
    expect((await store.listRuns()).map((r) => r.meta.run_id)).toEqual([id]);

    const one = await worker.fetch(new Request(`http://quire.test/runs/${id}`));
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ run_id: id, ref: "refs/heads/main", status: "pending" });
    const health = await worker.fetch(new Request("http://quire.test/health"));
    expect(await health.json()).toEqual({ ok: true, time: "2026-11-21T10:00:00.000Z" });
  });

  it("refuses a wrong token and writes nothing", async () => {
    const { worker, store } = setup();
    const response = await worker.fetch(push([{ ref: "refs/heads/main", new_sha: PIPELINE_SHA }], "wrong"));
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { code: "unauthorized", message: "wrong token" } });
    expect(await store.listRuns()).toEqual([]);
  });
});

describe("worker scheduled", () => {
  async function withLeftovers() {
    const ctx = setup();
    const response = await ctx.worker.fetch(push([
      { ref: "refs/heads/a", new_sha: PIPELINE_SHA },
      { ref: "refs/heads/b", new_sha: PIPELINE_SHA },
      { ref: "refs/heads/c", new_sha: PIPELINE_SHA },
    ]));
    const { runs } = (await response.json()) as { runs: { run_id: string }[] };
    const [orphan, live, pending] = await Promise.all(runs.map((r) => ctx.store.findRun(r.run_id)));
    const start = async (run: RunRecord | undefined, owner: string) => {
      if (!run) throw new Error("setup");
      const next = planTransition(run, { to: "active", lease: leaseFor(owner, ctx.clock) }, ctx.clock.now());
      if (!next.ok) throw new Error(next.error.message);
      await ctx.store.moveRun(repo, run.meta.run_id, "pending", next.value);
    };
    await start(orphan, "gone:9:dead");
    await start(live, "worker:1:self");
    return { ...ctx, orphan: orphan?.meta.run_id, live: live?.meta.run_id, pending: pending?.meta.run_id };
  }

  it("reconciles through ctx.waitUntil: orphans fail, live runs stay, pending runs are requeued", async () => {
    const { worker, store, orphan, live, pending, requeued, logged } = await withLeftovers();
    const kept: Promise<unknown>[] = [];
    const returned = worker.scheduled(controller, {}, { waitUntil: (p) => void kept.push(p) });
    expect(kept).toHaveLength(1);
    await Promise.all(kept);
    const report = await returned;
    expect(report).toMatchObject({ orphaned: [orphan], requeued: [pending] });
    expect(requeued).toEqual([pending]);
    expect((await store.findRun(orphan ?? ""))?.state).toMatchObject({ status: "failed", outcome: "orphaned" });
    expect((await store.findRun(live ?? ""))?.state.status).toBe("active");
    expect(logged).toContainEqual(expect.objectContaining({ level: "info", msg: "reconciled", obj: expect.objectContaining({ cron: controller.cron }) }));
  });

  it("reconciles without a context too, and a second tick finds nothing to orphan", async () => {
    const { worker, orphan } = await withLeftovers();
    expect((await worker.scheduled(controller)).orphaned).toEqual([orphan]);
    expect((await worker.scheduled(controller)).orphaned).toEqual([]);
  });

  it("reports a broken store through the log and the promise it hands to waitUntil", async () => {
    const broken = new MemoryRunStore();
    broken.sweep = () => Promise.reject(new Error("disk gone"));
    const { worker, logged } = setup({ store: broken });
    const kept: Promise<unknown>[] = [];
    await expect(worker.scheduled(controller, {}, { waitUntil: (p) => void kept.push(p) })).rejects.toThrow("disk gone");
    await expect(kept[0]).rejects.toThrow("disk gone");
    expect(logged).toContainEqual(expect.objectContaining({ level: "error", msg: "reconcile failed" }));
  });
});
