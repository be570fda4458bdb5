import { describe, expect, it } from "vitest";
import { FakeClock } from "../../adapters/clock/fake-clock.ts";
import { FakeIds } from "../../adapters/ids/fake-ids.ts";
import { leaseFor } from "../../core/run/lease.ts";
import type { RunStore } from "../../core/ports/storage.ts";
import { planTransition, type TransitionTarget } from "../../core/run/transition.ts";
import type { RepoName, RunRecord, RunState } from "../../core/types.ts";
import { createPendingRun } from "../support/run-fixtures.ts";

export interface StoreFixture {
  store: RunStore;
}

const FOO = "foo.git" as RepoName;
const BAR = "group/bar.git" as RepoName;
const SHA = "c".repeat(40);

/** One suite, run against every RunStore: what the rest of quire may rely on. */
export function runStoreContract(name: string, make: () => Promise<StoreFixture>): void {
  describe(`RunStore contract: ${name}`, () => {
    async function setup() {
      const { store } = await make();
      const clock = new FakeClock();
      const ids = new FakeIds();
      const create = (repo: RepoName = FOO, ref = "refs/heads/main") =>
        createPendingRun(store, { repo, ref, sha: SHA, pushedAt: "2026-11-21T10:00:00Z", ids, clock });
      const move = async (run: RunRecord, target: TransitionTarget) => {
        const next = planTransition(run, target, clock.now());
        if (!next.ok) throw new Error(next.error.message);
        return store.moveRun(run.meta.repo, run.meta.run_id, run.state.status, next.value);
      };
      const moved = async (run: RunRecord, target: TransitionTarget) => {
        const result = await move(run, target);
        if (result.kind !== "moved") throw new Error(`expected moved, got ${result.kind}`);
        return result.record;
      };
      return { store, clock, create, move, moved };
    }

    describe("createRun", () => {
      it("writes a pending run with meta and state and numbers it 1, 2, 3 per repo", async () => {
        const { store, create } = await setup();
        const first = await create();
        expect(first.meta).toMatchObject({ repo: FOO, number: 1, sha: SHA, ref: "refs/heads/main", pipeline: ".quire/ci.ts" });
        expect(first.state).toMatchObject({ status: "pending", outcome: null, started_at: null, lease: null });
        expect((await create()).meta.number).toBe(2);
        expect((await create(BAR)).meta.number).toBe(1);
        expect((await create()).meta.number).toBe(3);
        expect(await store.getRun(FOO, first.meta.run_id)).toEqual(first);
      });

      it("hands out distinct consecutive numbers to concurrent creates", async () => {
        const { create } = await setup();
        const runs = await Promise.all(Array.from({ length: 12 }, () => create()));
        expect(runs.map((r) => r.meta.number).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      });
    });

    describe("getRun, findRun, listRuns", () => {
      it("finds a run by repo and id, and by id alone", async () => {
        const { store, create } = await setup();
        const foo = await create();
        const bar = await create(BAR);
        expect(await store.getRun(BAR, bar.meta.run_id)).toEqual(bar);
        expect(await store.findRun(foo.meta.run_id)).toEqual(foo);
        expect(await store.findRun(bar.meta.run_id)).toEqual(bar);
      });

      it("answers undefined for an unknown id, the wrong repo, or a malformed id", async () => {
        const { store, create } = await setup();
        const foo = await create();
        expect(await store.getRun(BAR, foo.meta.run_id)).toBeUndefined();
        expect(await store.getRun(FOO, "0190a000-0000-7000-8000-0000000000ff")).toBeUndefined();
        expect(await store.findRun("0190a000-0000-7000-8000-0000000000ff")).toBeUndefined();
        expect(await store.getRun(FOO, "../../etc")).toBeUndefined();
        expect(await store.findRun("not-a-run")).toBeUndefined();
      });

      it("lists runs in id order, filtered by repo and by state", async () => {
        const { store, create, moved } = await setup();
        const a = await create();
        const b = await create(BAR);
        const c = await create();
        const started = await moved(c, { to: "active", lease: { owner: "me", expires_at: "2026-11-21T11:00:00.000Z" } });
        const ids = (runs: RunRecord[]) => runs.map((r) => r.meta.run_id);
        expect(ids(await store.listRuns())).toEqual([a, b, c].map((r) => r.meta.run_id));
        expect(ids(await store.listRuns({ repo: FOO }))).toEqual([a.meta.run_id, c.meta.run_id]);
        expect(ids(await store.listRuns({ state: "pending" }))).toEqual([a.meta.run_id, b.meta.run_id]);
        expect(await store.listRuns({ repo: FOO, state: "active" })).toEqual([started]);
        expect(await store.listRuns({ repo: "none.git" as RepoName })).toEqual([]);
      });

      it("hands out copies: changing a returned record changes nothing stored", async () => {
        const { store, create } = await setup();
        const run = await create();
        run.state.status = "failed";
        run.meta.number = 99;
        const [listed] = await store.listRuns();
        if (listed) listed.state.error = "scribbled";
        expect(await store.getRun(FOO, run.meta.run_id)).toMatchObject({ meta: { number: 1 }, state: { status: "pending", error: null } });
      });
    });

    describe("moveRun", () => {
      it("takes a run pending → active → complete, keeping meta and saving the new state", async () => {
        const { store, clock, create, moved } = await setup();
        const run = await create();
        const active = await moved(run, { to: "active", lease: leaseFor("me", clock) });
        expect(await store.getRun(FOO, run.meta.run_id)).toEqual(active);
        clock.advance(1_000);
        const done = await moved(active, { to: "complete" });
        expect(done.meta).toEqual(run.meta);
        expect(await store.getRun(FOO, run.meta.run_id)).toEqual(done);
        expect(done.state).toMatchObject({ status: "complete", outcome: "succeeded", finished_at: clock.now() });
        expect(await store.listRuns({ state: "active" })).toEqual([]);
      });

      it.each<[RunState, TransitionTarget]>([
        ["pending", { to: "failed", outcome: "cancelled" }],
        ["active", { to: "failed", outcome: "failed", error: "job test failed" }],
      ])("moves %s runs to failed", async (from, target) => {
        const { store, clock, create, moved } = await setup();
        let run = await create();
        if (from === "active") run = await moved(run, { to: "active", lease: leaseFor("me", clock) });
        const failed = await moved(run, target);
        expect(await store.getRun(FOO, run.meta.run_id)).toEqual(failed);
        expect((await store.listRuns({ state: "failed" })).map((r) => r.meta.run_id)).toEqual([run.meta.run_id]);
      });

      it("answers wrong-state with the actual state and changes nothing", async () => {
        const { store, clock, create } = await setup();
        const run = await create();
        const next = planTransition({ ...run, state: { ...run.state, status: "active" } }, { to: "complete" }, clock.now());
        if (!next.ok) throw new Error("setup");
        expect(await store.moveRun(FOO, run.meta.run_id, "active", next.value)).toEqual({ kind: "wrong-state", actual: "pending" });
        expect(await store.getRun(FOO, run.meta.run_id)).toEqual(run);
      });

      it("lets only one of two racing moves from the same state win", async () => {
        const { store, clock, create, move } = await setup();
        const run = await create();
        const results = await Promise.all([
          move(run, { to: "active", lease: leaseFor("a", clock) }),
          move(run, { to: "failed", outcome: "cancelled" }),
        ]);
        expect(results.map((r) => r.kind).sort()).toEqual(["moved", "wrong-state"]);
        const winner = results.find((r) => r.kind === "moved");
        expect(await store.getRun(FOO, run.meta.run_id)).toEqual(winner?.kind === "moved" ? winner.record : undefined);
      });

      it("answers not-found for an unknown run or the wrong repo", async () => {
        const { store, create } = await setup();
        const run = await create();
        const next = { ...run.state, status: "active" as const };
        expect(await store.moveRun(FOO, "0190a000-0000-7000-8000-0000000000ff", "pending", next)).toEqual({ kind: "not-found" });
        expect(await store.moveRun(BAR, run.meta.run_id, "pending", next)).toEqual({ kind: "not-found" });
        expect(await store.moveRun(FOO, "../x", "pending", next)).toEqual({ kind: "not-found" });
      });
    });

    describe("updateState", () => {
      it("rewrites state in place without moving the run", async () => {
        const { store, create } = await setup();
        const run = await create();
        const next = { ...run.state, last_job: "test" };
        expect(await store.updateState(FOO, run.meta.run_id, next)).toEqual({ kind: "moved", record: { meta: run.meta, state: next } });
        expect(await store.getRun(FOO, run.meta.run_id)).toEqual({ meta: run.meta, state: next });
      });

      it("answers wrong-state when the run is elsewhere, and not-found for unknown runs", async () => {
        const { store, create } = await setup();
        const run = await create();
        expect(await store.updateState(FOO, run.meta.run_id, { ...run.state, status: "active" })).toEqual({ kind: "wrong-state", actual: "pending" });
        expect(await store.getRun(FOO, run.meta.run_id)).toEqual(run);
        expect(await store.updateState(FOO, "0190a000-0000-7000-8000-0000000000ff", run.state)).toEqual({ kind: "not-found" });
      });
    });

    describe("sweep", () => {
      it("finds nothing to repair in a healthy store, twice, and changes nothing", async () => {
        const { store, clock, create, moved } = await setup();
        await create();
        await moved(await create(BAR), { to: "active", lease: leaseFor("me", clock) });
        const before = await store.listRuns();
        expect(await store.sweep()).toEqual({ removedTemp: 0, rolledForward: [] });
        expect(await store.sweep()).toEqual({ removedTemp: 0, rolledForward: [] });
        expect(await store.listRuns()).toEqual(before);
      });
    });
  });
}
