import { describe, expect, it } from "vitest";
import type { Workspaces } from "../../core/ports/workspaces.ts";
import type { RepoName } from "../../core/types.ts";

export interface WorkspacesFixture {
  workspaces: Workspaces;
  repo: RepoName;
  /** A commit of `repo` whose tree holds README.md. */
  sha: string;
  /** Whether the workspace at `path` exists and holds the commit's README.md. */
  holdsCommit(path: string): Promise<boolean>;
  cleanup(): Promise<void>;
}

const RUN_A = "0190a000-0000-7000-8000-00000000c0a1";
const RUN_B = "0190a000-0000-7000-8000-00000000c0b2";

/** What runPipeline relies on from every Workspaces: a fresh tree per run, a value for a bad commit, removal that is final. */
export function workspacesContract(name: string, make: () => Promise<WorkspacesFixture>): void {
  describe(`Workspaces contract: ${name}`, () => {
    it("materializes the commit per run, each run in its own place, and removes it, idempotently", async () => {
      const f = await make();
      try {
        const a = await f.workspaces.materialize(f.repo, f.sha, RUN_A);
        const b = await f.workspaces.materialize(f.repo, f.sha, RUN_B);
        if (!a.ok || !b.ok) throw new Error("materialize failed");
        expect(a.value).not.toBe(b.value);
        expect(await f.holdsCommit(a.value)).toBe(true);
        await f.workspaces.remove(RUN_A);
        await f.workspaces.remove(RUN_A);
        expect(await f.holdsCommit(a.value)).toBe(false);
        expect(await f.holdsCommit(b.value)).toBe(true);
        await f.workspaces.remove(RUN_B);
      } finally {
        await f.cleanup();
      }
    });

    it("answers a commit it cannot find with an error value, leaving nothing behind", async () => {
      const f = await make();
      try {
        const missing = await f.workspaces.materialize(f.repo, "f".repeat(40), RUN_A);
        expect(missing.ok).toBe(false);
        if (!missing.ok) expect(missing.error.message.length).toBeGreaterThan(0);
      } finally {
        await f.cleanup();
      }
    });
  });
}
