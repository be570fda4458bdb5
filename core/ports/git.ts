import type { RepoName } from "../types.ts";

/** The bare repositories quire serves. */
export interface GitPort {
  repoExists(repo: RepoName): Promise<boolean>;
  /** Returns the first of `paths` that exists as a file at `sha`, or null. */
  findFile(repo: RepoName, sha: string, paths: readonly string[]): Promise<string | null>;
  /** The first line of the commit's message (shown in the web view), or null when there is no such commit. */
  commitSubject?(repo: RepoName, sha: string): Promise<string | null>;
}
