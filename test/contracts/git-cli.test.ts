import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it, vi } from "vitest";
import { GitCli } from "../../adapters/git/git-cli.ts";
import { PIPELINE_PATHS } from "../../core/intake/gate.ts";
import type { RepoName } from "../../core/types.ts";
import { COMMITS, GROUPED, gitContract, PIPELINE_OF, REPO, type CommitName } from "./git.contract.ts";
import { gitEnv } from "../support/git.ts";
import { tempDir } from "../support/temp-dir.ts";

const adapters: GitCli[] = [];
afterAll(() => adapters.forEach((a) => a.close()));

/** A real commit with exactly `files`, made with plumbing so no work tree is needed. */
async function commitFiles(gitDir: string, files: Record<string, string>, parent?: string): Promise<string> {
  const index = join(await tempDir("quire-index-"), "index");
  const env = { ...gitEnv, GIT_DIR: gitDir, GIT_INDEX_FILE: index };
  for (const [path, content] of Object.entries(files)) {
    const blob = (await execa("git", ["hash-object", "-w", "--stdin"], { env, input: content })).stdout.trim();
    await execa("git", ["update-index", "--add", "--cacheinfo", `100644,${blob},${path}`], { env });
  }
  const tree = (await execa("git", ["write-tree"], { env })).stdout.trim();
  const sha = (await execa("git", ["commit-tree", tree, ...(parent ? ["-p", parent] : []), "-m", "fixture"], { env })).stdout.trim();
  await rm(index, { force: true });
  return sha;
}

async function bareRepos() {
  const root = join(await tempDir("quire-git-"), "repos");
  for (const repo of [REPO, GROUPED]) await execa("git", ["init", "--quiet", "--bare", join(root, repo)], { env: gitEnv });
  const sha = {} as Record<CommitName, string>;
  for (const [name, files] of Object.entries(COMMITS)) sha[name as CommitName] = await commitFiles(join(root, REPO), files);
  const groupedSha = await commitFiles(join(root, GROUPED), COMMITS.withTs);
  return { root, sha, groupedSha };
}

const shared = bareRepos();

gitContract("GitCli on real bare repos", async () => {
  const { root, sha, groupedSha } = await shared;
  const git = new GitCli(root);
  adapters.push(git);
  return { git, sha, groupedSha };
});

/** Live `git cat-file` processes on repos under `root` whose parent is this test process, read from /proc. */
async function catFilePids(root: string): Promise<number[]> {
  const found: number[] = [];
  for (const pid of (await readdir("/proc")).filter((n) => /^\d+$/.test(n))) {
    const [stat, cmdline] = await Promise.all([
      readFile(`/proc/${pid}/stat`, "utf8").catch(() => ""),
      readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => ""),
    ]);
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (ppid === process.pid && cmdline.includes("cat-file") && cmdline.includes(root)) found.push(Number(pid));
  }
  return found;
}

const catFileChildren = async (root: string) => (await catFilePids(root)).length;

function killIfAlive(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

describe("GitCli process reuse", () => {
  // Own repos, so the processes counted in /proc are this suite's alone.
  const shared = bareRepos();

  it("answers hundreds of lookups through one cat-file process per repo", async () => {
    const { root, sha, groupedSha } = await shared;
    const git = new GitCli(root);
    adapters.push(git);
    const names = Object.keys(COMMITS) as CommitName[];
    const lookups = Array.from({ length: 300 }, (_, i) => git.findFile(REPO, sha[names[i % names.length] as CommitName], PIPELINE_PATHS));
    expect(await Promise.all(lookups)).toEqual(Array.from({ length: 300 }, (_, i) => PIPELINE_OF[names[i % names.length] as CommitName]));
    expect(git.processesStarted).toBe(1);
    expect(await catFileChildren(root)).toBe(1);
    for (let i = 0; i < 50; i++) await git.findFile(REPO, sha.withTs, PIPELINE_PATHS);
    await git.findFile(GROUPED, groupedSha, PIPELINE_PATHS);
    expect(git.processesStarted).toBe(2);
    expect(git.processesRunning).toBe(2);
    expect(await catFileChildren(root)).toBe(2);
    git.close();
    await vi.waitFor(async () => expect(await catFileChildren(root)).toBe(0));
  });

  it("lets an idle process go and starts a fresh one when asked again", async () => {
    const { root, sha } = await shared;
    const git = new GitCli(root, 30);
    adapters.push(git);
    expect(await git.findFile(REPO, sha.withTs, PIPELINE_PATHS)).toBe(".quire/ci.ts");
    await vi.waitFor(() => expect(git.processesRunning).toBe(0));
    expect(await git.findFile(REPO, sha.mjsOnly, PIPELINE_PATHS)).toBe(".quire/ci.mjs");
    expect(git.processesStarted).toBe(2);
  });

  it("starts no process for a repo that does not exist or a sha that is not one", async () => {
    const { root } = await shared;
    const git = new GitCli(root);
    adapters.push(git);
    expect(await git.findFile("gone.git" as RepoName, "a".repeat(40), PIPELINE_PATHS)).toBeNull();
    expect(await git.findFile(REPO, "HEAD", PIPELINE_PATHS)).toBeNull();
    expect(git.processesStarted).toBe(0);
  });

  it("recovers when its cat-file process dies under it", async () => {
    const { root, sha } = await shared;
    const git = new GitCli(root);
    adapters.push(git);
    expect(await git.findFile(REPO, sha.withTs, PIPELINE_PATHS)).toBe(".quire/ci.ts");
    // The list may hold an earlier test's process that exits (idle) between the read and the kill.
    for (const pid of await catFilePids(root)) killIfAlive(pid);
    await vi.waitFor(() => expect(git.processesRunning).toBe(0));
    expect(await git.findFile(REPO, sha.withTs, PIPELINE_PATHS)).toBe(".quire/ci.ts");
    expect(git.processesStarted).toBe(2);
  });
});

describe("GitCli answers too large to keep", () => {
  it("reads past a commit too large to keep: no subject for it, and the answers after it are right", async () => {
    const { root, sha } = await bareRepos();
    const gitDir = join(root, REPO);
    const env = { ...gitEnv, GIT_DIR: gitDir };
    const tree = (await execa("git", ["rev-parse", `${sha.withTs}^{tree}`], { env })).stdout.trim();
    const huge = (await execa("git", ["commit-tree", tree, "-F", "-"], { env, input: `big\n\n${"x".repeat(1_200_000)}\n` })).stdout.trim();
    const git = new GitCli(root);
    adapters.push(git);
    // Asked together, so the large answer and the ones after it arrive in one stream.
    const answers = await Promise.all([git.commitSubject(REPO, huge), git.findFile(REPO, huge, PIPELINE_PATHS), git.commitSubject(REPO, sha.none), git.findFile(REPO, sha.mjsOnly, PIPELINE_PATHS)]);
    expect(answers).toEqual([null, ".quire/ci.ts", "fixture", ".quire/ci.mjs"]);
    expect(git.processesStarted).toBe(1);
  });
});
