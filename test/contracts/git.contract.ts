import { describe, expect, it } from "vitest";
import type { GitPort } from "../../core/ports/git.ts";
import { PIPELINE_PATHS } from "../../core/intake/gate.ts";
import type { RepoName } from "../../core/types.ts";

/** The commits every GitPort is seeded with: name → files (path → content). */
export const COMMITS = {
  withTs: { ".quire/ci.ts": "job()", "README.md": "hi" },
  jsAndMjs: { ".quire/ci.mjs": "m", ".quire/ci.js": "j" },
  mjsOnly: { ".quire/ci.mjs": "m" },
  none: { "README.md": "no pipeline here" },
  dirAtPath: { ".quire/ci.ts/index.ts": "a directory, not a file" },
  dirThenMjs: { ".quire/ci.ts/index.ts": "dir", ".quire/ci.mjs": "m" },
  nested: { "sub/.quire/ci.ts": "not at the root" },
} as const satisfies Record<string, Record<string, string>>;

export type CommitName = keyof typeof COMMITS;

/** The pipeline the gate must find in each commit: the first of PIPELINE_PATHS that is a file. */
export const PIPELINE_OF: Record<CommitName, string | null> = {
  withTs: ".quire/ci.ts",
  jsAndMjs: ".quire/ci.js",
  mjsOnly: ".quire/ci.mjs",
  none: null,
  dirAtPath: null,
  dirThenMjs: ".quire/ci.mjs",
  nested: null,
};

export const REPO = "demo.git" as RepoName;
export const GROUPED = "team/app.git" as RepoName;

export interface GitFixture {
  git: GitPort;
  /** The sha each commit got in REPO; GROUPED holds `withTs` only. */
  sha: Record<CommitName, string>;
  groupedSha: string;
}

/** One suite, run against the git CLI adapter on a real bare repo and against FakeGit. */
export function gitContract(name: string, make: () => Promise<GitFixture>): void {
  describe(`GitPort contract: ${name}`, () => {
    const fixture = make();

    it("knows which repos exist, grouped or not", async () => {
      const { git } = await fixture;
      expect(await git.repoExists(REPO)).toBe(true);
      expect(await git.repoExists(GROUPED)).toBe(true);
      expect(await git.repoExists("nope.git" as RepoName)).toBe(false);
      expect(await git.repoExists("team/nope.git" as RepoName)).toBe(false);
    });

    it.each(Object.entries(PIPELINE_OF) as [CommitName, string | null][])("finds the first pipeline file in commit %s: %j", async (commit, expected) => {
      const { git, sha } = await fixture;
      expect(await git.findFile(REPO, sha[commit], PIPELINE_PATHS)).toBe(expected);
    });

    it("answers per repo: a sha of another repo is unknown here", async () => {
      const { git, sha, groupedSha } = await fixture;
      expect(await git.findFile(GROUPED, groupedSha, PIPELINE_PATHS)).toBe(".quire/ci.ts");
      expect(await git.findFile(GROUPED, sha.mjsOnly, PIPELINE_PATHS)).toBeNull();
    });

    it.each([
      ["an unknown sha", "f".repeat(40)],
      ["a revision name", "main"],
      ["revision syntax", "HEAD~0"],
      ["an abbreviated sha", "abc1234"],
      ["an empty string", ""],
    ])("answers no pipeline for %s", async (_, sha) => {
      const { git } = await fixture;
      expect(await git.findFile(REPO, sha, PIPELINE_PATHS)).toBeNull();
    });

    it("answers no pipeline for a path git cannot be asked about", async () => {
      const { git, sha } = await fixture;
      expect(await git.findFile(REPO, sha.withTs, [".quire/ci.ts\nHEAD", "missing/file"])).toBeNull();
      expect(await git.findFile(REPO, sha.withTs, [])).toBeNull();
    });

    it("answers no pipeline in a repo that does not exist", async () => {
      const { git, sha } = await fixture;
      expect(await git.findFile("nope.git" as RepoName, sha.withTs, PIPELINE_PATHS)).toBeNull();
    });

    it("reads a commit's subject, and null for what is not a commit here", async () => {
      const { git, sha, groupedSha } = await fixture;
      expect(await git.commitSubject?.(REPO, sha.withTs)).toBe("fixture");
      expect(await git.commitSubject?.(GROUPED, groupedSha)).toBe("fixture");
      for (const bad of ["f".repeat(40), "main", "HEAD~0", "abc1234", ""]) expect(await git.commitSubject?.(REPO, bad)).toBeNull();
      expect(await git.commitSubject?.("nope.git" as RepoName, sha.withTs)).toBeNull();
      const many = await Promise.all(Array.from({ length: 30 }, () => git.commitSubject?.(REPO, sha.none)));
      expect(many).toEqual(Array.from({ length: 30 }, () => "fixture"));
    });

    it("answers many concurrent lookups each with its own answer", async () => {
      const { git, sha } = await fixture;
      const names = Object.keys(COMMITS) as CommitName[];
      const asked = Array.from({ length: 70 }, (_, i) => names[i % names.length] as CommitName);
      const answers = await Promise.all(asked.map((c) => git.findFile(REPO, sha[c], PIPELINE_PATHS)));
      expect(answers).toEqual(asked.map((c) => PIPELINE_OF[c]));
    });
  });
}
