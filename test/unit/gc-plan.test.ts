import { describe, expect, it } from "vitest";
import { planGc, type GcItem, type GcPolicy } from "../../core/maintenance/gc-plan.ts";

const day = (n: number) => `2026-11-${String(n).padStart(2, "0")}T12:00:00.000Z`;

function image(group: string, created: number, runId = `${group}-${created}`): GcItem {
  return { kind: "image", ref: `quire-ci/${group}:${runId}`, group, createdAt: day(created), runId };
}

function workspace(group: string, created: number, runId = `ws-${group}-${created}`): GcItem {
  return { kind: "workspace", ref: `/home/q/workspaces/${runId}`, group, createdAt: day(created), runId };
}

const policy = (over: Partial<GcPolicy> = {}): GcPolicy => ({
  keepLast: 2,
  keepSince: day(15),
  liveRunIds: new Set(),
  ...over,
});

const refs = (items: readonly GcItem[]) => items.map((item) => item.ref).sort();

describe("gc plan: retention per repo", () => {
  it("keeps the newest N per repo and removes older ones", () => {
    const items = [image("a.git", 1), image("a.git", 3), image("a.git", 2), image("a.git", 4), image("b.git", 1)];
    const plan = planGc(items, policy());
    expect(refs(plan.remove)).toEqual(refs([image("a.git", 1), image("a.git", 2)]));
    expect(plan.keep.map((k) => [k.item.ref, k.reason])).toEqual(
      expect.arrayContaining([
        [image("a.git", 4).ref, "recent"],
        [image("a.git", 3).ref, "recent"],
        [image("b.git", 1).ref, "recent"],
      ]),
    );
  });

  it("keeps anything younger than the cutoff, however many there are", () => {
    const items = [20, 19, 18, 17, 16, 15, 14].map((d) => image("a.git", d));
    const plan = planGc(items, policy());
    expect(refs(plan.remove)).toEqual(refs([image("a.git", 14)]));
    expect(plan.keep.filter((k) => k.reason === "young")).toHaveLength(4);
  });

  it("never removes what a pending or active run uses, and counts images and workspaces apart", () => {
    const items = [image("a.git", 1, "live-run"), image("a.git", 2), image("a.git", 3), workspace("a.git", 1), workspace("a.git", 2)];
    const plan = planGc(items, policy({ keepLast: 1, liveRunIds: new Set(["live-run"]) }));
    expect(refs(plan.remove)).toEqual(refs([image("a.git", 2), workspace("a.git", 1)]));
    expect(plan.keep.find((k) => k.item.runId === "live-run")?.reason).toBe("live");
  });

  it("a live item does not use up the newest-N quota of the finished ones", () => {
    const items = [image("a.git", 5, "live-run"), image("a.git", 3), image("a.git", 2)];
    const plan = planGc(items, policy({ keepLast: 1, liveRunIds: new Set(["live-run"]) }));
    expect(refs(plan.remove)).toEqual(refs([image("a.git", 2)]));
    expect(plan.keep.map((k) => k.reason).sort()).toEqual(["live", "recent"]);
  });

  it("with keepLast 0 and a cutoff in the future removes everything not live; an empty list plans nothing", () => {
    const items = [image("a.git", 1), workspace("(unknown)", 2)];
    expect(refs(planGc(items, policy({ keepLast: 0, keepSince: day(30) })).remove)).toEqual(refs(items));
    expect(planGc([], policy())).toEqual({ remove: [], keep: [] });
  });

  it("orders items created in the same instant by ref, so the plan does not depend on listing order", () => {
    const same = [image("a.git", 1, "r1"), image("a.git", 1, "r3"), image("a.git", 1, "r2")];
    const forward = planGc(same, policy({ keepLast: 1 }));
    const backward = planGc([...same].reverse(), policy({ keepLast: 1 }));
    expect(refs(forward.remove)).toEqual(refs(backward.remove));
    expect(forward.keep.map((k) => k.item.runId)).toEqual(["r3"]);
  });
});
