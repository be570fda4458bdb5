import { mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { GitWorkspaces } from "../../adapters/workspace/git-workspaces.ts";
import type { RepoName } from "../../core/types.ts";
import { WorkClone, git, gitEnv } from "../support/git.ts";
import { tempDir } from "../support/temp-dir.ts";

const REPO = "group/demo.git" as RepoName;
let home: string;
let sha: string;

beforeAll(async () => {
  home = await tempDir("quire-ws-home-");
  const bare = join(home, "repos", REPO);
  await mkdir(bare, { recursive: true });
  await execa("git", ["init", "--quiet", "--bare", bare], { env: gitEnv });
  const clone = await WorkClone.of(bare);
  await clone.commit({ "README.md": "hello\n", "src/deep/file.txt": "deep\n", "run.sh": "#!/bin/sh\necho ran\n" });
  await git(clone.dir, ["update-index", "--chmod=+x", "run.sh"]);
  await git(clone.dir, ["commit", "--quiet", "-m", "executable"]);
  sha = (await git(clone.dir, ["rev-parse", "HEAD"])).trim();
  await clone.push();
});

const workspaces = (keep = false) =>
  new GitWorkspaces({ reposRoot: join(home, "repos"), root: join(home, "workspaces"), keep });

describe("git workspaces", () => {
  it("extracts the commit's tree into a fresh per-run directory", async () => {
    const ws = workspaces();
    const made = await ws.materialize(REPO, sha, "0190a000-0000-7000-8000-000000000001");
    if (!made.ok) throw new Error(made.error.message);
    expect(made.value).toBe(join(home, "workspaces", "0190a000-0000-7000-8000-000000000001"));
    expect((await readdir(made.value)).sort()).toEqual(["README.md", "run.sh", "src"]);
    expect(await readFile(join(made.value, "src/deep/file.txt"), "utf8")).toBe("deep\n");
    expect((await stat(join(made.value, "run.sh"))).mode & 0o111).not.toBe(0);
    const ran = await execa("./run.sh", { cwd: made.value });
    expect(ran.stdout).toBe("ran");
    await ws.remove("0190a000-0000-7000-8000-000000000001");
    await expect(stat(made.value)).rejects.toThrow();
  });

  it("starts over when a run's workspace is left from an earlier attempt", async () => {
    const ws = workspaces();
    const dir = join(home, "workspaces", "0190a000-0000-7000-8000-000000000002");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "stale.txt"), "old");
    const made = await ws.materialize(REPO, sha, "0190a000-0000-7000-8000-000000000002");
    expect(made.ok).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(["README.md", "run.sh", "src"]);
  });

  it("fails with git's own message for an unknown commit or repo, leaving nothing behind", async () => {
    const ws = workspaces();
    const missing = await ws.materialize(REPO, "f".repeat(40), "0190a000-0000-7000-8000-000000000003");
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.error.message).toMatch(/fatal|not a (valid|tree)/i);
    const noRepo = await ws.materialize("nope.git" as RepoName, sha, "0190a000-0000-7000-8000-000000000004");
    expect(noRepo.ok).toBe(false);
    if (!noRepo.ok) expect(noRepo.error.message).toMatch(/not a git repository|fatal/i);
    const left = await readdir(join(home, "workspaces"));
    expect(left.filter((name) => name.endsWith("3") || name.endsWith("4"))).toEqual([]);
  });

  it("refuses revision syntax and unsafe run ids before running anything", async () => {
    const ws = workspaces();
    for (const bad of ["HEAD", "--output=/tmp/x", `${sha}:README.md`, sha.slice(0, 12)]) {
      const made = await ws.materialize(REPO, bad, "0190a000-0000-7000-8000-000000000005");
      expect(made.ok).toBe(false);
    }
    for (const runId of ["../escape", ".processes", "a/b", ""]) {
      expect((await ws.materialize(REPO, sha, runId)).ok).toBe(false);
    }
    await expect(stat(join(home, "escape"))).rejects.toThrow();
  });

  it("keeps workspaces when asked to, for debugging", async () => {
    const made = await workspaces(true).materialize(REPO, sha, "0190a000-0000-7000-8000-000000000006");
    if (!made.ok) throw new Error(made.error.message);
    await workspaces(true).remove("0190a000-0000-7000-8000-000000000006");
    expect((await stat(made.value)).isDirectory()).toBe(true);
  });
});
