import { describe, expect, it } from "vitest";
import { FakeTimers } from "../../adapters/clock/fake-timers.ts";
import { RunQueue } from "../../core/queue/run-queue.ts";
import { runPipeline } from "../../core/run/run-pipeline.ts";
import type { RunRecord } from "../../core/types.ts";
import { fakeRunDeps, job, SHA } from "../support/fake-run-deps.ts";

const OTHER = "b".repeat(40);
const slow = { jobs: [job("slow", ["quire/push"], async ({ sh }) => void (await sh("sleep 30")))] };
const quick = { jobs: [job("quick", ["quire/push"], async () => ({ done: true }))] };

function setup(options: { concurrency?: number; runTimeoutMs?: number } = {}) {
  const fakes = fakeRunDeps({ [SHA]: slow, [OTHER]: quick });
  // The run timeout fires only when a test moves these on.
  const timers = new FakeTimers();
  // Told by runPipeline itself when a run became active, so no test waits on real time for it.
  const activated = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  const activation = (id: string) => {
    let entry = activated.get(id);
    if (!entry) {
      let resolve = () => {};
      const promise = new Promise<void>((r) => (resolve = r));
      entry = { promise, resolve };
      activated.set(id, entry);
    }
    return entry;
  };
  const queue = new RunQueue({
    store: fakes.store,
    clock: fakes.clock,
    timers,
    concurrency: options.concurrency ?? 1,
    runTimeoutMs: options.runTimeoutMs ?? 60_000,
    execute: (run, signal) => runPipeline(run, { ...fakes.deps, onActive: () => activation(run.meta.run_id).resolve() }, signal),
  });
  const state = async (id: string) => (await fakes.store.findRun(id))?.state;
  const active = (run: RunRecord) => activation(run.meta.run_id).promise;
  return { ...fakes, queue, state, timers, active };
}

describe("RunQueue", () => {
  it("runs FIFO within its concurrency", async () => {
    const { queue, createRun, state } = setup();
    const a = await createRun(OTHER, "refs/heads/a");
    const b = await createRun(OTHER, "refs/heads/b");
    queue.enqueue(a);
    queue.enqueue(b);
    expect(queue.size).toEqual({ queued: 1, running: 1 });
    await queue.idle();
    expect((await state(a.meta.run_id))?.outcome).toBe("succeeded");
    expect((await state(b.meta.run_id))?.outcome).toBe("succeeded");
  });

  it("supersedes a queued run and stops a running one on the same ref, leaving other refs alone", async () => {
    const { queue, createRun, state, active } = setup();
    const running = await createRun(SHA, "refs/heads/main");
    queue.enqueue(running);
    await active(running);
    expect((await state(running.meta.run_id))?.status).toBe("active");
    const other = await createRun(OTHER, "refs/heads/other");
    const queued = await createRun(SHA, "refs/heads/main");
    queue.enqueue(other);
    queue.enqueue(queued);
    const newest = await createRun(OTHER, "refs/heads/main");
    queue.enqueue(newest);
    await queue.idle();
    expect(await state(running.meta.run_id)).toMatchObject({ status: "failed", outcome: "superseded" });
    expect(await state(queued.meta.run_id)).toMatchObject({ status: "failed", outcome: "superseded" });
    expect((await state(queued.meta.run_id))?.error).toMatch(/superseded by demo\.git#4/);
    expect((await state(other.meta.run_id))?.outcome).toBe("succeeded");
    expect((await state(newest.meta.run_id))?.outcome).toBe("succeeded");
  });

  it("an older run handed back by reconcile does not supersede a newer one", async () => {
    const { queue, createRun, state } = setup();
    const older = await createRun(OTHER);
    const newer = await createRun(OTHER);
    queue.enqueue(newer);
    queue.enqueue(older);
    await queue.idle();
    expect((await state(newer.meta.run_id))?.outcome).toBe("succeeded");
    expect((await state(older.meta.run_id))?.outcome).toBe("superseded");
  });

  it("cancels queued and running runs, and refuses finished ones", async () => {
    const { queue, createRun, state, store, active } = setup();
    const running = await createRun(SHA, "refs/heads/a");
    const queued = await createRun(OTHER, "refs/heads/b");
    queue.enqueue(running);
    queue.enqueue(queued);
    await active(running);
    expect((await state(running.meta.run_id))?.status).toBe("active");
    expect((await queue.cancel(queued)).kind).toBe("cancelled");
    const current = await store.findRun(running.meta.run_id);
    expect((await queue.cancel(current ?? running)).kind).toBe("stopping");
    await queue.idle();
    expect(await state(running.meta.run_id)).toMatchObject({ outcome: "cancelled" });
    expect(await state(queued.meta.run_id)).toMatchObject({ outcome: "cancelled", started_at: null });
    const finished = await store.findRun(running.meta.run_id);
    expect((await queue.cancel(finished ?? running)).kind).toBe("not-cancellable");
  });

  it("times a run out once its timeout has passed", async () => {
    const { queue, createRun, state, timers, active } = setup({ runTimeoutMs: 60_000 });
    const run = await createRun(SHA);
    queue.enqueue(run);
    await active(run);
    expect((await state(run.meta.run_id))?.status).toBe("active");
    timers.advance(59_999);
    expect((await state(run.meta.run_id))?.status).toBe("active");
    timers.advance(1);
    await queue.idle();
    expect(await state(run.meta.run_id)).toMatchObject({ status: "failed", outcome: "timed-out" });
  });
});
