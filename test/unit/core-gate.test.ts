import { describe, expect, it } from "vitest";
import { FakeGit } from "../../adapters/git/fake-git.ts";
import { gate, PIPELINE_PATHS } from "../../core/intake/gate.ts";
import { ZERO_SHA } from "../../core/intake/push-event.ts";
import type { PushEvent, RepoName } from "../../core/types.ts";

const repo = "demo.git" as RepoName;
const sha = (n: number) => n.toString(16).padStart(40, "a");

function push(...refs: [string, string][]): PushEvent {
  return {
    type: "push",
    repo,
    pushed_at: "2026-11-21T10:00:00Z",
    refs: refs.map(([ref, new_sha]) => ({ ref, old_sha: ZERO_SHA, new_sha })),
  };
}

describe("gate", () => {
  const git = new FakeGit()
    .commit(repo, sha(1), [".quire/ci.ts", "README.md"])
    .commit(repo, sha(2), ["README.md"])
    .commit(repo, sha(3), [".quire/ci.mjs", ".quire/ci.js"])
    .commit(repo, sha(4), [".quire/ci.mjs"]);

  it("runs a ref whose commit has .quire/ci.ts", async () => {
    const [decision] = await gate(push(["refs/heads/main", sha(1)]), git);
    expect(decision).toMatchObject({ kind: "run", pipeline: ".quire/ci.ts", update: { new_sha: sha(1) } });
  });

  it("tries ci.ts, then ci.js, then ci.mjs", async () => {
    expect(PIPELINE_PATHS).toEqual([".quire/ci.ts", ".quire/ci.js", ".quire/ci.mjs"]);
    const decisions = await gate(push(["refs/heads/a", sha(3)], ["refs/heads/b", sha(4)]), git);
    expect(decisions.map((d) => (d.kind === "run" ? d.pipeline : d.reason))).toEqual([".quire/ci.js", ".quire/ci.mjs"]);
  });

  it("skips a commit without a pipeline", async () => {
    const [decision] = await gate(push(["refs/heads/main", sha(2)]), git);
    expect(decision).toMatchObject({ kind: "skip", reason: "no-pipeline" });
  });

  it("skips a deletion without asking git", async () => {
    const empty = new FakeGit(); // knows no repo at all: a lookup would answer no-pipeline, not deleted
    const [decision] = await gate(push(["refs/heads/gone", ZERO_SHA]), empty);
    expect(decision).toMatchObject({ kind: "skip", reason: "deleted" });
  });

  it("decides each ref of a multi-ref push on its own, in order", async () => {
    const decisions = await gate(
      push(["refs/heads/main", sha(1)], ["refs/heads/docs", sha(2)], ["refs/heads/old", ZERO_SHA], ["refs/tags/v1", sha(1)]),
      git,
    );
    expect(decisions.map((d) => [d.update.ref, d.kind])).toEqual([
      ["refs/heads/main", "run"],
      ["refs/heads/docs", "skip"],
      ["refs/heads/old", "skip"],
      ["refs/tags/v1", "run"],
    ]);
  });

  it("treats an unknown sha as no pipeline", async () => {
    const [decision] = await gate(push(["refs/heads/main", sha(99)]), git);
    expect(decision).toMatchObject({ kind: "skip", reason: "no-pipeline" });
  });
});
