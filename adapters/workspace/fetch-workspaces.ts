import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "../process/lazy-execa.ts";
import type { Workspaces } from "../../core/ports/workspaces.ts";
import { err, type Result } from "../../core/result.ts";
import type { RepoName } from "../../core/types.ts";
import { KeyedMutex } from "../storage/keyed-mutex.ts";
import { GitWorkspaces } from "./git-workspaces.ts";

export interface FetchWorkspacesOptions {
  /** `source.clone_url`: `{repo}` is replaced by the repo name, else the name is appended after a `/`. */
  cloneUrl: string;
  /** Bare caches of fetched objects, one per repo, so a second run of a repo fetches only what is new. */
  cacheRoot: string;
  root: string;
  keep?: boolean;
}

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const STDERR_LIMIT = 4 * 1024;

export function cloneUrlFor(template: string, repo: RepoName): string {
  return template.includes("{repo}") ? template.replaceAll("{repo}", repo) : `${template.replace(/\/+$/, "")}/${repo}`;
}

/** A URL's password or token must not reach a run's error text or a log. */
const hideCredentials = (text: string, url: string): string => {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    return text;
  }
  if (!parsed.username && !parsed.password) return text;
  const bare = new URL(url);
  bare.username = "";
  bare.password = "";
  return text.replaceAll(url, bare.toString()).replaceAll(parsed.password || "\u0000", "***");
};

/**
 * Workspaces for runners that do not share the server's disk: `git fetch <clone_url> <sha>`
 * into a per-repo bare cache, then the same `git archive | tar -x` as on the server.
 */
export class FetchWorkspaces implements Workspaces {
  private readonly fetching = new KeyedMutex();
  private readonly extract: GitWorkspaces;

  constructor(private readonly options: FetchWorkspacesOptions) {
    this.extract = new GitWorkspaces({
      reposRoot: options.cacheRoot,
      root: options.root,
      ...(options.keep === undefined ? {} : { keep: options.keep }),
      gitDirOf: (repo) => this.cacheOf(repo),
    });
  }

  private cacheOf(repo: RepoName): string {
    return join(this.options.cacheRoot, repo);
  }

  async materialize(repo: RepoName, sha: string, runId: string): Promise<Result<string, { message: string }>> {
    if (!SHA.test(sha)) return err({ message: `not a commit sha: ${JSON.stringify(sha)}` });
    const fetched = await this.fetching.run(repo, () => this.fetch(repo, sha));
    if (fetched !== null) return err({ message: fetched });
    return this.extract.materialize(repo, sha, runId);
  }

  remove(runId: string): Promise<void> {
    return this.extract.remove(runId);
  }

  /** null when the commit is in the cache now, else why not. */
  private async fetch(repo: RepoName, sha: string): Promise<string | null> {
    const gitDir = this.cacheOf(repo);
    const git = (args: string[]) =>
      execa("git", ["--git-dir", gitDir, ...args], { reject: false, stdin: "ignore", env: { GIT_TERMINAL_PROMPT: "0" } });
    await mkdir(gitDir, { recursive: true });
    const init = await execa("git", ["init", "--bare", "-q", gitDir], { reject: false });
    if (init.exitCode !== 0) return `cannot prepare the fetch cache: ${init.stderr.slice(0, STDERR_LIMIT)}`;
    if ((await git(["cat-file", "-e", `${sha}^{commit}`])).exitCode === 0) return null;
    const url = cloneUrlFor(this.options.cloneUrl, repo);
    const fetched = await git(["fetch", "--no-tags", "--no-write-fetch-head", "--quiet", url, sha]);
    if (fetched.exitCode === 0) return null;
    const why = fetched.stderr.slice(0, STDERR_LIMIT).trim() || `git fetch exited with ${fetched.exitCode}`;
    return hideCredentials(`git fetch of ${sha.slice(0, 12)} from ${url} failed: ${why}`, url);
  }
}
