import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { GitPort } from "../../core/ports.ts";
import type { RepoName } from "../../core/types.ts";
import { CatFileBatch } from "./cat-file-batch.ts";

/** The bare repos under `<home>/repos`, read through the git CLI. */
export class GitCli implements GitPort {
  private readonly batches = new Map<string, CatFileBatch>();

  constructor(readonly reposRoot: string, private readonly idleMs = 30_000) {}

  gitDir(repo: RepoName): string {
    return join(this.reposRoot, repo);
  }

  async repoExists(repo: RepoName): Promise<boolean> {
    try {
      return (await stat(join(this.gitDir(repo), "HEAD"))).isFile();
    } catch {
      return false;
    }
  }

  async findFile(repo: RepoName, sha: string, paths: readonly string[]): Promise<string | null> {
    const batch = this.batch(repo);
    const types = await Promise.all(paths.map((path) => batch.lookup(`${sha}:${path}`)));
    const index = types.findIndex((type) => type === "blob");
    return index === -1 ? null : (paths[index] ?? null);
  }

  private batch(repo: RepoName): CatFileBatch {
    let batch = this.batches.get(repo);
    if (!batch) {
      const created = new CatFileBatch(this.gitDir(repo), this.idleMs, () => {
        if (this.batches.get(repo) === created) this.batches.delete(repo);
      });
      batch = created;
      this.batches.set(repo, batch);
    }
    return batch;
  }

  close(): void {
    for (const batch of [...this.batches.values()]) batch.close();
  }
}
