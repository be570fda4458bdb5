import { describe, expect, it } from "vitest";
import { entryOf, recordedAt, sameFacts, type IndexEntry } from "../../core/index/run-index.ts";
import type { IndexView } from "../../core/ports/run-index.ts";
import type { RunRecord } from "../../core/types.ts";
import { lease, sha, type IndexRig } from "../support/index-fixtures.ts";

const ids = (entries: readonly IndexEntry[]) => entries.map((e) => e.run_id);
const all = (view: IndexView) => [...view.entries()];

/** What the directories say, as index entries (updated_at aside). */
async function truth(rig: IndexRig): Promise<IndexEntry[]> {
  return (await rig.inner.listRuns()).map((run) => entryOf(run, recordedAt(run)));
}

function expectSameRuns(actual: readonly IndexEntry[], expected: readonly IndexEntry[]): void {
  const byId = new Map(actual.map((e) => [e.run_id, e]));
  expect(byId.size).toBe(actual.length);
  expect([...byId.keys()].sort()).toEqual(expected.map((e) => e.run_id).sort());
  for (const e of expected) expect(sameFacts(byId.get(e.run_id) as IndexEntry, e), e.run_id).toBe(true);
}

/** One contract for every RunIndex adapter, driven through IndexedRunStore. */
export function runIndexContract(kind: string, makeRig: () => Promise<IndexRig>): void {
describe(`run index contract: ${kind}`, () => {
  it("indexes new runs in creation order and upserts transitions in place", async () => {
    const rig = await makeRig();
    const a = await rig.run("demo.git", "refs/heads/main", sha("a1"));
    const b = await rig.run("demo.git", "refs/heads/main", sha("b1"));
    const c = await rig.run("work/lib.git", "refs/heads/dev", sha("c1"));
    const active = await rig.move(a, { to: "active", lease });
    await rig.store.updateState(active.meta.repo, active.meta.run_id, { ...active.state, last_job: "test" });
    await rig.move({ ...active, state: { ...active.state, last_job: "test" } }, { to: "failed", outcome: "failed", error: "boom" });

    const view = await rig.index.read();
    expect(ids(all(view))).toEqual([a.meta.run_id, b.meta.run_id, c.meta.run_id]);
    expect(view.get(a.meta.run_id)).toMatchObject({
      repo: "demo.git",
      number: 1,
      ref: "refs/heads/main",
      sha: sha("a1"),
      status: "failed",
      outcome: "failed",
      last_job: "test",
      updated_at: rig.clock.now(),
    });
    expect(view.get(c.meta.run_id)).toMatchObject({ repo: "work/lib.git", number: 1, status: "pending", outcome: null });
    expectSameRuns(all(view), await truth(rig));
  });

  it("lists newest first with filters, limits and a cursor that visits every run once", async () => {
    const rig = await makeRig();
    const made: RunRecord[] = [];
    for (let i = 0; i < 7; i++) made.push(await rig.run(i % 2 ? "odd.git" : "even.git", i < 4 ? "refs/heads/main" : "refs/tags/main", sha(`${i}f`)));
    await rig.move(made[0]!, { to: "failed", outcome: "cancelled" });
    const view = await rig.index.read();
    const newestFirst = made.map((r) => r.meta.run_id).reverse();

    expect(ids(view.query({ limit: 50 }).runs)).toEqual(newestFirst);
    expect(ids(view.query({ limit: 50, repo: "odd.git" }).runs)).toEqual([5, 3, 1].map((i) => made[i]!.meta.run_id));
    expect(ids(view.query({ limit: 50, refs: ["refs/tags/main"] }).runs)).toEqual(newestFirst.slice(0, 3));
    expect(ids(view.query({ limit: 50, repo: "even.git", refs: ["refs/heads/main", "refs/tags/main"] }).runs)).toEqual(
      [6, 4, 2, 0].map((i) => made[i]!.meta.run_id),
    );
    expect(ids(view.query({ limit: 50, status: "failed" }).runs)).toEqual([made[0]!.meta.run_id]);
    expect(ids(view.query({ limit: 50, outcome: "cancelled" }).runs)).toEqual([made[0]!.meta.run_id]);
    expect(view.query({ limit: 50, repo: "none.git" })).toEqual({ runs: [], next: null });

    const seen: string[] = [];
    let before: string | undefined;
    for (let page = 0; page < 10; page++) {
      const result = view.query({ limit: 3, ...(before === undefined ? {} : { before }) });
      seen.push(...ids(result.runs));
      if (result.next === null) break;
      before = result.next;
    }
    expect(seen).toEqual(newestFirst);
  });

  it("repair finds added, changed and vanished runs and then equals the directories", async () => {
    const rig = await makeRig();
    const a = await rig.run("demo.git", "refs/heads/main", sha("a1"));
    const b = await rig.run("demo.git", "refs/heads/main", sha("b1"));
    await rig.run("demo.git", "refs/heads/main", sha("c1"));
    // drift: a transition the index never heard of, a run it never saw, an entry for no run
    await rig.inner.moveRun(a.meta.repo, a.meta.run_id, "pending", { ...a.state, status: "failed", outcome: "cancelled" });
    await rig.inner.createRun({ ...draftLike(b), run_id: "0190a000-0000-7000-8000-0000000000ee" });
    await rig.index.upsert({ ...entryOf(b, rig.clock.now()), run_id: "0190a000-0000-7000-8000-0000000000dd", number: 40 });

    const report = await rig.index.repair();
    expect(report).toEqual({ added: 1, updated: 1, removed: 1, total: 4 });
    expectSameRuns(all(await rig.index.read()), await truth(rig));
    expect(await rig.index.repair()).toEqual({ added: 0, updated: 0, removed: 0, total: 4 });
  });

  it("rebuild regenerates the index from the directories alone", async () => {
    const rig = await makeRig();
    const a = await rig.run("demo.git", "refs/heads/main", sha("a1"));
    await rig.run("work/lib.git", "refs/heads/main", sha("b1"));
    await rig.move(a, { to: "active", lease });
    await rig.index.upsert({ ...entryOf(a, rig.clock.now()), run_id: "0190a000-0000-7000-8000-0000000000dd" });
    const report = await rig.index.rebuild();
    expect(report.total).toBe(2);
    expect(report.removed).toBe(1);
    expectSameRuns(all(await rig.index.read()), await truth(rig));
  });
});
}

function draftLike(run: RunRecord) {
  return {
    run_id: run.meta.run_id,
    repo: run.meta.repo,
    state: run.state,
    meta: (number: number) => ({ ...run.meta, run_id: "0190a000-0000-7000-8000-0000000000ee", number }),
  };
}
