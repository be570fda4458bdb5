import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { parseRepoName } from "../../core/names/repo-name.ts";
import { runDirPath } from "../../core/run/run-layout.ts";
import { RUN_STATES, type RepoName, type RunState } from "../../core/types.ts";

/** `runs/<repo>/<state>/<run-id>/` on disk (names from core/run/run-layout.ts). */
export class FsLayout {
  constructor(readonly root: string) {}

  repoDir(repo: RepoName): string {
    return join(this.root, repo);
  }

  stateDir(repo: RepoName, state: RunState): string {
    return join(this.root, repo, state);
  }

  runDir(repo: RepoName, state: RunState, runId: string): string {
    return join(this.root, runDirPath(repo, state, runId));
  }

  /** Which state directory holds the run, if any. */
  async locate(repo: RepoName, runId: string): Promise<RunState | undefined> {
    for (const state of RUN_STATES) {
      if (await isDir(this.runDir(repo, state, runId))) return state;
    }
    return undefined;
  }

  /** Repos that have a run directory: `foo.git` and `group/foo.git`. */
  async repos(): Promise<RepoName[]> {
    const found: RepoName[] = [];
    for (const entry of await visibleDirs(this.root)) {
      if (entry.endsWith(".git")) {
        const name = parseRepoName(entry);
        if (name.ok) found.push(name.value);
        continue;
      }
      for (const inner of await visibleDirs(join(this.root, entry))) {
        const name = parseRepoName(`${entry}/${inner}`);
        if (name.ok) found.push(name.value);
      }
    }
    return found.sort();
  }

  /** Run ids in one state directory; temp and hidden entries are never listed. */
  runIds(repo: RepoName, state: RunState): Promise<string[]> {
    return visibleDirs(this.stateDir(repo, state));
  }
}

export async function visibleDirs(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith(".")).map((e) => e.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
