import { describe, expect, it } from "vitest";
import { FakeClock } from "../../adapters/clock/fake-clock.ts";
import { FakeIds } from "../../adapters/ids/fake-ids.ts";
import { fixedLiveness } from "../support/fixed-liveness.ts";
import { MemoryRunStore } from "../../adapters/storage/memory-run-store.ts";
import { leaseExpired, leaseFor, LEASE_TTL_MS } from "../../core/run/lease.ts";
import type { ContainerJanitor } from "../../core/ports/janitors.ts";
import type { RunStore } from "../../core/ports/storage.ts";
import { planReconcile, reconcile } from "../../core/maintenance/reconcile.ts";
import { planTransition } from "../../core/run/transition.ts";
import type { Lease, RepoName, RunRecord } from "../../core/types.ts";
import { createPendingRun } from "../support/run-fixtures.ts";

const repo = "demo.git" as RepoName;
const SELF = "here:1:me";
const OTHER_LIVE = "there:2:alive";
const DEAD = "here:3:dead";

async function seed() {
  const clock = new FakeClock();
  const ids = new FakeIds();
  const store = new MemoryRunStore();
  const create = () => createPendingRun(store, { repo, clock, ids });
  const start = async (lease: Lease | null) => {
    const run = await create();
    const next = planTransition(run, { to: "active", lease: lease ?? { owner: "x", expires_at: clock.now() } }, clock.now());
    if (!next.ok) throw new Error(next.error.message);
    const moved = await store.moveRun(repo, run.meta.run_id, "pending", { ...next.value, lease });
    if (moved.kind !== "moved") throw new Error(moved.kind);
    return moved.record;
  };
  return { clock, store, create, start };
}

describe("leases", () => {
  it("expire at their expiry time, and a missing lease counts as expired", () => {
    const clock = new FakeClock("2026-11-21T10:00:00.000Z");
    const lease = leaseFor("me", clock);
    expect(lease.expires_at).toBe(new Date(Date.parse("2026-11-21T10:00:00.000Z") + LEASE_TTL_MS).toISOString());
    expect(leaseExpired(lease, clock.now())).toBe(false);
    expect(leaseExpired(lease, lease.expires_at)).toBe(true);
    expect(leaseExpired(null, clock.now())).toBe(true);
  });
});

describe("planReconcile", () => {
  it("orphans active runs whose lease is missing, expired, or held by a dead owner, and requeues pending", async () => {
    const { clock, store, create, start } = await seed();
    const live = await start(leaseFor(SELF, clock));
    const liveElsewhere = await start(leaseFor(OTHER_LIVE, clock));
    const deadOwner = await start(leaseFor(DEAD, clock));
    const noLease = await start(null);
    const expired = await start(leaseFor(OTHER_LIVE, clock, 1_000));
    const pending = await create();
    clock.advance(5_000);
    const plan = planReconcile(await store.listRuns(), clock.now(), fixedLiveness(SELF, [OTHER_LIVE]));
    const ids = (runs: RunRecord[]) => runs.map((r) => r.meta.run_id).sort();
    expect(ids(plan.orphans)).toEqual(ids([deadOwner, noLease, expired]));
    expect(ids(plan.requeue)).toEqual([pending.meta.run_id]);
    expect(ids(plan.orphans)).not.toContain(live.meta.run_id);
    expect(ids(plan.orphans)).not.toContain(liveElsewhere.meta.run_id);
  });

  it("orphans even our own runs once their lease has run out", async () => {
    const { clock, store, start } = await seed();
    await start(leaseFor(SELF, clock));
    clock.advance(LEASE_TTL_MS);
    const plan = planReconcile(await store.listRuns(), clock.now(), fixedLiveness(SELF));
    expect(plan.orphans).toHaveLength(1);
  });

  it("leaves terminal runs alone", async () => {
    const { clock, store, start } = await seed();
    const run = await start(null);
    const done = planTransition(run, { to: "complete" }, clock.now());
    if (!done.ok) throw new Error("setup");
    await store.moveRun(repo, run.meta.run_id, "active", done.value);
    expect(planReconcile(await store.listRuns(), clock.now(), fixedLiveness(SELF))).toEqual({ orphans: [], requeue: [] });
  });
});

describe("reconcile", () => {
  it("fails orphans as orphaned with finished_at, requeues pending, and is idempotent", async () => {
    const { clock, store, create, start } = await seed();
    const orphan = await start(leaseFor(DEAD, clock));
    const live = await start(leaseFor(SELF, clock));
    const pending = await create();
    const requeued: string[] = [];
    const deps = { store, clock, liveness: fixedLiveness(SELF), requeue: (r: RunRecord) => void requeued.push(r.meta.run_id) };

    const first = await reconcile(deps);
    expect(first.orphaned).toEqual([orphan.meta.run_id]);
    expect(first.requeued).toEqual([pending.meta.run_id]);
    const after = await store.getRun(repo, orphan.meta.run_id);
    expect(after?.state).toMatchObject({ status: "failed", outcome: "orphaned", finished_at: clock.now(), lease: null });
    expect(after?.state.error).toContain(DEAD);
    expect((await store.getRun(repo, live.meta.run_id))?.state.status).toBe("active");

    const second = await reconcile(deps);
    expect(second.orphaned).toEqual([]);
    expect((await store.listRuns({ state: "failed" })).map((r) => r.meta.run_id)).toEqual([orphan.meta.run_id]);
  });

  it("leaves a run its owner finished between the listing and the move", async () => {
    const { clock, store, start } = await seed();
    const run = await start(leaseFor(DEAD, clock));
    // The owner completes the run right after reconcile has listed it as active.
    const racing: RunStore = Object.assign(Object.create(store) as RunStore, {
      listRuns: async (filter?: Parameters<RunStore["listRuns"]>[0]) => {
        const listed = await store.listRuns(filter);
        if (filter?.state === "active") {
          const done = planTransition(run, { to: "complete" }, clock.now());
          if (done.ok) await store.moveRun(repo, run.meta.run_id, "active", done.value);
        }
        return listed;
      },
    });
    const report = await reconcile({ store: racing, clock, liveness: fixedLiveness(SELF) });
    expect(report.orphaned).toEqual([]);
    expect((await store.getRun(repo, run.meta.run_id))?.state).toMatchObject({ status: "complete", outcome: "succeeded" });
  });

  it("removes containers whose run is no longer active, and keeps those of active runs", async () => {
    const { clock, store, start } = await seed();
    const live = await start(leaseFor(SELF, clock));
    const orphan = await start(leaseFor(DEAD, clock));
    const containers = new Map([
      ["c-live", live.meta.run_id],
      ["c-orphan", orphan.meta.run_id],
      ["c-unknown", "0190a000-0000-7000-8000-0000000000ff"],
    ]);
    const janitor: ContainerJanitor = {
      listRunContainers: async () => [...containers].map(([containerId, runId]) => ({ containerId, runId })),
      remove: async (id) => void containers.delete(id),
    };
    const report = await reconcile({ store, clock, liveness: fixedLiveness(SELF), containers: janitor });
    expect(report.containersRemoved.sort()).toEqual(["c-orphan", "c-unknown"]);
    expect([...containers.keys()]).toEqual(["c-live"]);
  });

  it("reports as requeued only what the live queue took, and never a run that left pending meanwhile", async () => {
    const { clock, store, create } = await seed();
    const queuedByPush = await create();
    const startedMeanwhile = await create();
    const leftBehind = await create();
    const racing: RunStore = Object.assign(Object.create(store) as RunStore, {
      listRuns: async (filter?: Parameters<RunStore["listRuns"]>[0]) => {
        const listed = await store.listRuns(filter);
        if (filter?.state === "pending") {
          // The queue starts one of them right after the listing.
          const next = planTransition(startedMeanwhile, { to: "active", lease: leaseFor(SELF, clock) }, clock.now());
          if (next.ok) await store.moveRun(repo, startedMeanwhile.meta.run_id, "pending", next.value);
        }
        return listed;
      },
    });
    const offered: string[] = [];
    const report = await reconcile({
      store: racing,
      clock,
      liveness: fixedLiveness(SELF),
      requeue: (run) => {
        offered.push(run.meta.run_id);
        return run.meta.run_id !== queuedByPush.meta.run_id;
      },
    });
    expect(report.requeued).toEqual([leftBehind.meta.run_id]);
    expect(offered).not.toContain(startedMeanwhile.meta.run_id);
  });

  it("never orphans a run the live queue is running, even with a lapsed lease", async () => {
    const { clock, store, start } = await seed();
    const lapsed = await start(leaseFor(SELF, clock, 1_000));
    clock.advance(5_000);
    const running = new Set([lapsed.meta.run_id]);
    const report = await reconcile({ store, clock, liveness: fixedLiveness(SELF), isRunning: (id) => running.has(id) });
    expect(report.orphaned).toEqual([]);
    expect((await store.getRun(repo, lapsed.meta.run_id))?.state.status).toBe("active");
    running.clear();
    expect((await reconcile({ store, clock, liveness: fixedLiveness(SELF), isRunning: (id) => running.has(id) })).orphaned).toEqual([
      lapsed.meta.run_id,
    ]);
  });

  it("removes workspaces of runs that are not active and not running here", async () => {
    const { clock, store, start, create } = await seed();
    const live = await start(leaseFor(SELF, clock));
    const orphan = await start(leaseFor(DEAD, clock));
    const justQueued = await create();
    const workspaces = new Set([live.meta.run_id, orphan.meta.run_id, justQueued.meta.run_id, "0190a000-0000-7000-8000-0000000000ff"]);
    const report = await reconcile({
      store,
      clock,
      liveness: fixedLiveness(SELF),
      isRunning: (id) => id === justQueued.meta.run_id,
      workspaces: { listRuns: async () => [...workspaces], remove: async (id) => void workspaces.delete(id) },
    });
    expect(report.workspacesRemoved.sort()).toEqual([orphan.meta.run_id, "0190a000-0000-7000-8000-0000000000ff"].sort());
    expect([...workspaces].sort()).toEqual([live.meta.run_id, justQueued.meta.run_id].sort());
  });
});
