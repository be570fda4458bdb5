import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { GitPort } from "../../core/ports/git.ts";
import type { RepoName } from "../../core/types.ts";
import { CatFileBatch } from "./cat-file-batch.ts";
import { CommitReader, subjectOf } from "./commit-reader.ts";

/** A full object name (sha-1 or sha-256); anything else could be revision syntax such as `main~1`. */
const OBJECT_NAME = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * The bare repos under `<home>/repos`, read through the git CLI; `locate` names where a
 * repo registered elsewhere (`quire repo add`) lives.
 */
export class GitCli implements GitPort {
  private readonly batches = new Map<string, CatFileBatch>();
  private readonly readers = new Map<string, CommitReader>();
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
    return this.batches.size;
  }

  async repoExists(repo: RepoName): Promise<boolean> {
    // A repo with a live cat-file process was there a moment ago; spares a stat per push under load.
    if (this.batches.has(repo)) return true;
    try {
      return (await stat(join(this.gitDir(repo), "HEAD"))).isFile();
    } catch {
      return false;
    }
  }

  async findFile(repo: RepoName, sha: string, paths: readonly string[]): Promise<string | null> {
    if (!OBJECT_NAME.test(sha)) return null;
    // A repo that is gone has no files; checked only before a process is started for it.
    if (!this.batches.has(repo) && !(await this.repoExists(repo))) return null;
    const types = await this.batch(repo).lookupAll(paths.map((path) => `${sha}:${path}`));
    const index = types.findIndex((type) => type === "blob");
    return index === -1 ? null : (paths[index] ?? null);
  }

  async commitSubject(repo: RepoName, sha: string): Promise<string | null> {
    if (!OBJECT_NAME.test(sha)) return null;
    if (!this.readers.has(repo) && !(await this.repoExists(repo))) return null;
    let reader = this.readers.get(repo);
    if (!reader) {
      const created = new CommitReader(this.gitDir(repo), this.idleMs, () => {
        if (this.readers.get(repo) === created) this.readers.delete(repo);
      });
      reader = created;
      this.readers.set(repo, reader);
    }
    const commit = await reader.read(sha);
    return commit === null ? null : subjectOf(commit);
  }

  private batch(repo: RepoName): CatFileBatch {
    let batch = this.batches.get(repo);
    if (!batch) {
      const created = new CatFileBatch(this.gitDir(repo), this.idleMs, () => {
        if (this.batches.get(repo) === created) this.batches.delete(repo);
      });
      this.started += 1;
      batch = created;
      this.batches.set(repo, batch);
    }
    return batch;
  }

  close(): void {
    for (const batch of [...this.batches.values()]) batch.close();
    for (const reader of [...this.readers.values()]) reader.close();
  }
}
