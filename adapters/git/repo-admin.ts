import { chmod, mkdir, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { execa } from "../process/lazy-execa.ts";
import { GitError } from "../../core/errors.ts";
import type { RepoName } from "../../core/types.ts";
import { visibleDirs } from "../storage/fs-layout.ts";
import { parseRepoName } from "../../core/names/repo-name.ts";

export type CreateRepoResult = { kind: "created"; gitDir: string } | { kind: "exists"; gitDir: string };

/** `git init --bare` with the quire hook installed. */
export async function createBareRepo(reposRoot: string, repo: RepoName, hookScript: string): Promise<CreateRepoResult> {
  const gitDir = join(reposRoot, repo);
  if (await exists(gitDir)) return { kind: "exists", gitDir };
  await mkdir(dirname(gitDir), { recursive: true });
  try {
    await execa("git", ["init", "--quiet", "--bare", "--initial-branch=main", gitDir]);
  } catch (cause) {
    throw new GitError("git_init_failed", `git init --bare ${gitDir} failed`, { cause });
  }
  await installHook(gitDir, hookScript);
  return { kind: "created", gitDir };
}

export async function installHook(gitDir: string, hookScript: string): Promise<void> {
  const path = join(gitDir, "hooks", "post-receive");
  await writeFile(path, hookScript);
  await chmod(path, 0o755);
}

/** Bare repos under the root: `foo.git` and `group/foo.git`. */
export async function listBareRepos(reposRoot: string): Promise<RepoName[]> {
  const found: RepoName[] = [];
  for (const entry of await visibleDirs(reposRoot)) {
    const candidates = entry.endsWith(".git")
      ? [entry]
      : (await visibleDirs(join(reposRoot, entry))).map((inner) => `${entry}/${inner}`);
    for (const candidate of candidates) {
      const name = parseRepoName(candidate);
      if (name.ok && (await exists(join(reposRoot, candidate, "HEAD")))) found.push(name.value);
    }
  }
  return found.sort();
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
