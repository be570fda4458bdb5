import type { GitPort } from "../../core/ports/git.ts";
import type { RepoName } from "../../core/types.ts";

/**
 * Repos and commits in memory: `commit(repo, sha, files)` says which files a sha has.
 * Only files count: a path that is a directory in the commit (a prefix of a listed file)
 * is not a pipeline, as with the git CLI.
 */
export class FakeGit implements GitPort {
  private readonly repos = new Map<string, Map<string, Set<string>>>();
  private readonly subjects = new Map<string, string>();

  addRepo(repo: string): this {
    if (!this.repos.has(repo)) this.repos.set(repo, new Map());
    return this;
  }

  commit(repo: string, sha: string, files: readonly string[], subject = "fixture"): this {
    this.addRepo(repo);
    this.subjects.set(`${repo}\0${sha}`, subject);
    this.repos.get(repo)?.set(sha, new Set(files));
    return this;
  }

  async repoExists(repo: RepoName): Promise<boolean> {
    return this.repos.has(repo);
  }

  async commitSubject(repo: RepoName, sha: string): Promise<string | null> {
    return this.subjects.get(`${repo}\0${sha}`) ?? null;
  }

  async findFile(repo: RepoName, sha: string, paths: readonly string[]): Promise<string | null> {
    const files = this.repos.get(repo)?.get(sha);
    return paths.find((path) => files?.has(path)) ?? null;
  }
}
