import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { GitPort } from "../../core/ports/git.ts";
import type { RepoName } from "../../core/types.ts";
import { CatFileSession, subjectOf } from "./cat-file-session.ts";

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

  async findFile(repo: RepoName, sha: string, paths: readonly string[]): Promise<string | null> {
    if (!OBJECT_NAME.test(sha)) return null;
    // A repo that is gone has no files; checked only before a process is started for it.
    if (!this.sessions.has(repo) && !(await this.repoExists(repo))) return null;
    const types = await this.session(repo).types(paths.map((path) => `${sha}:${path}`));
    const index = types.findIndex((type) => type === "blob");
    return index === -1 ? null : (paths[index] ?? null);
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
