import { mkdir, readFile, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { FakeWorkspaces } from "../../adapters/workspace/fake-workspaces.ts";
import { FetchWorkspaces } from "../../adapters/workspace/fetch-workspaces.ts";
import { GitWorkspaces } from "../../adapters/workspace/git-workspaces.ts";
import type { RepoName } from "../../core/types.ts";
import { WorkClone, gitEnv } from "../support/git.ts";
import { workspacesContract } from "./workspaces.contract.ts";
import { tempDir } from "../support/temp-dir.ts";

const REPO = "group/demo.git" as RepoName;

/** A home with one bare repo holding one commit with README.md. */
async function homeWithCommit() {
  const home = await tempDir("quire-ws-contract-");
  const bare = join(home, "repos", REPO);
  await mkdir(bare, { recursive: true });
  await execa("git", ["init", "--quiet", "--bare", bare], { env: gitEnv });
  const clone = await WorkClone.of(bare);
  const sha = await clone.commit({ "README.md": "hello\n" });
  await clone.push();
  await rm(dirname(clone.dir), { recursive: true, force: true });
  const holdsCommit = async (path: string) => (await readFile(join(path, "README.md"), "utf8").catch(() => "")) === "hello\n";
  return { home, sha, holdsCommit, cleanup: () => rm(home, { recursive: true, force: true }) };
}

workspacesContract("git (the home's bare repos)", async () => {
  const h = await homeWithCommit();
  return { ...h, repo: REPO, workspaces: new GitWorkspaces({ reposRoot: join(h.home, "repos"), root: join(h.home, "workspaces") }) };
});

workspacesContract("fetch (a runner on another host)", async () => {
  const h = await homeWithCommit();
  const workspaces = new FetchWorkspaces({ cloneUrl: join(h.home, "repos"), cacheRoot: join(h.home, "cache"), root: join(h.home, "workspaces") });
  return { ...h, repo: REPO, workspaces };
});

workspacesContract("fake", async () => {
  const sha = "a".repeat(40);
  const workspaces = new FakeWorkspaces(new Set(["f".repeat(40)]));
  // The fake has no files: a workspace "holds the commit" while its run is live.
  const holdsCommit = async (path: string) => path.startsWith(`/fake-workspace/${sha}/`) && workspaces.live.has(path.split("/").at(-1) ?? "");
  return { workspaces, repo: REPO, sha, holdsCommit, cleanup: async () => undefined };
});
