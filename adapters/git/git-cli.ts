import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { GitPort } from "../../core/ports/git.ts";
import type { RepoName } from "../../core/types.ts";
import { CatFileSession, subjectOf } from "./cat-file-session.ts";
import { blobNames } from "./tree-listing.ts";

/** A full object name (sha-1 or sha-256); anything else could be revision syntax such as `main~1`. */
const OBJECT_NAME = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * The bare repos under `<home>/repos`, read through the git CLI; `locate` names where a
 * repo registered elsewhere (`quire repo add`) lives.
 */
export class GitCli implements GitPort {
  private readonly sessions = new Map<string, CatFileSession>();
  private started = 0;

  constructor(
    readonly reposRoot: string,
    private readonly idleMs = 30_000,
    private readonly locate: (repo: RepoName) => string | undefined = () => undefined,
  ) {}

  gitDir(repo: RepoName): string {
    return this.locate(repo) ?? join(this.reposRoot, repo);
  }

  /** How many `git cat-file` processes this adapter has started, ever; lookups reuse them. */
  get processesStarted(): number {
    return this.started;
  }

  /** How many are running now (at most one per repo). */
  get processesRunning(): number {
    return this.sessions.size;
  }

  async repoExists(repo: RepoName): Promise<boolean> {
    // A repo with a live cat-file process was there a moment ago; spares a stat per push under load.
    if (this.sessions.has(repo)) return true;
    try {
      return (await stat(join(this.gitDir(repo), "HEAD"))).isFile();
    } catch {
      return false;
    }
  }

  /**
   * One question per directory the paths lie in (for the pipeline, one: `.quire`), its tree
   * read whole, rather than one per path: git reads the commit and every tree on the way
   * again for each question, and on intake that reading was most of git's work.
   */
  async findFile(repo: RepoName, sha: string, paths: readonly string[]): Promise<string | null> {
    if (!OBJECT_NAME.test(sha)) return null;
    // A newline would split one question into two and shift every later answer.
    const asked = paths.filter((path) => !/[\n\r]/.test(path));
    if (asked.length === 0) return null;
    // A repo that is gone has no files; checked only before a process is started for it.
    if (!this.sessions.has(repo) && !(await this.repoExists(repo))) return null;
    const session = this.session(repo);
    const dirs = [...new Set(asked.map((path) => dirOf(path)))];
    const trees = await Promise.all(dirs.map((dir) => session.object(dir === "" ? `${sha}^{tree}` : `${sha}:${dir}`)));
    const idBytes = sha.length === 64 ? 32 : 20;
    const listings = new Map(dirs.map((dir, i) => {
      const tree = trees[i];
      return [dir, tree?.type === "tree" ? blobNames(tree.body, idBytes) : new Set<string>()] as const;
    }));
    return asked.find((path) => listings.get(dirOf(path))?.has(path.slice(path.lastIndexOf("/") + 1))) ?? null;
  }

  async commitSubject(repo: RepoName, sha: string): Promise<string | null> {
    if (!OBJECT_NAME.test(sha)) return null;
    if (!this.sessions.has(repo) && !(await this.repoExists(repo))) return null;
    const commit = await this.session(repo).contents(`${sha}^{commit}`);
    return commit === null ? null : subjectOf(commit);
  }

  private session(repo: RepoName): CatFileSession {
    let session = this.sessions.get(repo);
    if (!session) {
      const created = new CatFileSession(this.gitDir(repo), this.idleMs, () => {
        if (this.sessions.get(repo) === created) this.sessions.delete(repo);
      });
      this.started += 1;
      session = created;
      this.sessions.set(repo, session);
    }
    return session;
  }

  close(): void {
    for (const session of [...this.sessions.values()]) session.close();
  }
}

/** The directory part of a repo path, "" at the root. */
function dirOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash === -1 ? "" : path.slice(0, slash);
}
