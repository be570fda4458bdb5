import { beforeAll, describe, expect, it } from "vitest";
import type { RunStore } from "../../core/ports/storage.ts";
import { indexResolver } from "../../core/index/run-index-resolver.ts";
import type { RunLookup } from "../../core/ports/run-resolver.ts";
import type { RunRecord } from "../../core/types.ts";
import { lease, makeRig, sha } from "../support/index-fixtures.ts";
import { createPendingRun } from "../support/run-fixtures.ts";

const found = (lookup: RunLookup): RunRecord => {
  if (lookup.kind !== "found") throw new Error(`expected found, got ${JSON.stringify(lookup)}`);
  return lookup.run;
};

/** Every alias form against both index adapters, over the store each one indexes. */
describe.each(["memory", "fs"] as const)("alias resolution over the %s index", (kind) => {
  let seed: Awaited<ReturnType<typeof seedRuns>>;
  beforeAll(async () => {
    seed = await seedRuns();
  });
  const seeded = async () => seed;

  async function seedRuns() {
    const rig = await makeRig(kind);
    const runs = {
      main1: await rig.run("demo.git", "refs/heads/main", sha("aaaaaaa1")),
      main2: await rig.run("demo.git", "refs/heads/main", sha("aaaaaaa2")),
      feature: await rig.run("demo.git", "refs/heads/feature/x", sha("bbbbbbb1")),
      // the same commit pushed to a second ref, later
      featureAgain: await rig.run("demo.git", "refs/heads/other", sha("bbbbbbb1")),
      tag: await rig.run("demo.git", "refs/tags/v1", sha("ccccccc1")),
      grouped: await rig.run("work/lib.git", "refs/heads/main", sha("ddddddd1")),
      // a commit that exists in two repos
      forkA: await rig.run("work/lib.git", "refs/heads/fork", sha("eeeeeee1")),
      forkB: await rig.run("demo.git", "refs/heads/fork", sha("eeeeeee1")),
      // a name that is both a branch and a tag
      dualBranch: await rig.run("demo.git", "refs/heads/dual", sha("fffffff1")),
      dualTag: await rig.run("demo.git", "refs/tags/dual", sha("fffffff2")),
    };
    return { rig, runs, resolver: indexResolver(rig.index, rig.store) };
  }

  it("finds a run by id, by repo#number and after it moved", async () => {
    const { rig, runs, resolver } = await seeded();
    expect(found(await resolver.resolve(runs.main1.meta.run_id)).meta.sha).toBe(sha("aaaaaaa1"));
    expect(found(await resolver.resolve("demo.git#2")).meta.run_id).toBe(runs.main2.meta.run_id);
    expect(found(await resolver.resolve("work/lib.git#1")).meta.run_id).toBe(runs.grouped.meta.run_id);
    await rig.move(runs.main2, { to: "active", lease });
    const moved = found(await resolver.resolve("demo.git#2"));
    expect(moved.state.status).toBe("active");
  });

  it("finds the latest run of a ref by short or full name, branch or tag", async () => {
    const { runs, resolver } = await seeded();
    expect(found(await resolver.resolve("demo.git@main")).meta.run_id).toBe(runs.main2.meta.run_id);
    expect(found(await resolver.resolve("demo.git@refs/heads/main")).meta.run_id).toBe(runs.main2.meta.run_id);
    expect(found(await resolver.resolve("demo.git@feature/x")).meta.run_id).toBe(runs.feature.meta.run_id);
    expect(found(await resolver.resolve("demo.git@v1")).meta.run_id).toBe(runs.tag.meta.run_id);
    expect(found(await resolver.resolve("demo.git@refs/tags/v1")).meta.run_id).toBe(runs.tag.meta.run_id);
    expect(found(await resolver.resolve("demo.git@refs/heads/dual")).meta.run_id).toBe(runs.dualBranch.meta.run_id);
  });

  it("finds a run by full sha, by a 7-digit prefix, in any case; one commit on two refs means the latest run", async () => {
    const { runs, resolver } = await seeded();
    expect(found(await resolver.resolve(sha("aaaaaaa1"))).meta.run_id).toBe(runs.main1.meta.run_id);
    expect(found(await resolver.resolve("aaaaaaa2")).meta.run_id).toBe(runs.main2.meta.run_id);
    expect(found(await resolver.resolve("CCCCCCC1")).meta.run_id).toBe(runs.tag.meta.run_id);
    expect(found(await resolver.resolve("bbbbbbb1")).meta.run_id).toBe(runs.featureAgain.meta.run_id);
  });

  it("says which runs an ambiguous name could mean", async () => {
    const { resolver } = await seeded();
    const prefix = await resolver.resolve("aaaaaaa");
    expect(prefix).toMatchObject({ kind: "ambiguous", candidates: ["demo.git#2", "demo.git#1"] });
    const twoRepos = await resolver.resolve("eeeeeee1");
    expect(twoRepos).toMatchObject({ kind: "ambiguous" });
    expect(twoRepos.kind === "ambiguous" && [...twoRepos.candidates].sort()).toEqual(["demo.git#6", "work/lib.git#2"]);
    const dual = await resolver.resolve("demo.git@dual");
    expect(dual).toMatchObject({ kind: "ambiguous", candidates: ["demo.git#8", "demo.git#7"] });
    expect(dual.kind === "ambiguous" && dual.message).toMatch(/branch and a tag/);
  });

  it.each([
    ["0190a000-0000-7000-8000-00000000ffff", /no run/],
    ["demo.git#99", /no run demo\.git#99/],
    ["nothere.git#1", /no run/],
    ["1234567", /no run for a commit/],
    ["demo.git@nope", /no run of demo\.git/],
    ["work/lib.git@v1", /no run of work\/lib\.git/],
  ])("%s is not found", async (ref, message) => {
    const { resolver } = await seeded();
    const lookup = await resolver.resolve(ref);
    expect(lookup.kind).toBe("not-found");
    expect(lookup.kind === "not-found" && lookup.message).toMatch(message);
  });

  it.each(["", "demo", "demo.git", "demo.git#0", "../etc.git#1", "demo.git@../x", "12345", "a/b/c.git@main", "demo.git@x y"])(
    "%j is invalid and never reaches storage",
    async (ref) => {
      const { rig } = await seeded();
      const untouchable = new Proxy({} as RunStore, {
        get: () => () => Promise.reject(new Error("storage must not be touched for malformed input")),
      });
      const index = { read: () => Promise.reject(new Error("the index must not be read for malformed input")) };
      const lookup = await indexResolver(index, untouchable).resolve(ref);
      expect(lookup.kind).toBe("invalid");
      // the real resolver says the same
      expect((await indexResolver(rig.index, rig.store).resolve(ref)).kind).toBe("invalid");
    },
  );

  it("finds a run by id even when the index has not caught up", async () => {
    const { rig } = await seeded();
    const direct = await createPendingRun(rig.inner, { runId: "0190a000-0000-7000-8000-0000000000ff", sha: sha("9999999"), clock: rig.clock });
    const resolver = indexResolver(rig.index, rig.store);
    expect(found(await resolver.resolve(direct.meta.run_id)).meta.number).toBe(direct.meta.number);
    expect((await resolver.resolve(`demo.git#${direct.meta.number}`)).kind).toBe("not-found");
  });
});
