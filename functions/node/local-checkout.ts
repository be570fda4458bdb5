import { basename, relative, resolve } from "node:path";
import { execa } from "../../adapters/process/lazy-execa.ts";
import { parseRepoName } from "../../core/repo-name.ts";
import type { RepoName } from "../../core/types.ts";

export interface LocalCheckout {
  top: string;
  gitDir: string;
  sha: string;
  /** The repo the run is recorded under: the quire repo `origin` points at, else `local/<dir>.git`. */
  repo: RepoName;
}

const git = async (cwd: string, args: string[]) => (await execa("git", args, { cwd })).stdout.trim();

/** The git checkout around `cwd`, for `quire ci run` and `quire ci validate`. */
export async function openCheckout(cwd: string, reposRoot: string, rev = "HEAD"): Promise<LocalCheckout> {
  let top: string;
  try {
    top = await git(cwd, ["rev-parse", "--show-toplevel"]);
  } catch {
    throw new CheckoutError(`${cwd} is not inside a git checkout`);
  }
  const gitDir = resolve(top, await git(top, ["rev-parse", "--git-dir"]));
  let sha: string;
  try {
    sha = await git(top, ["rev-parse", "--verify", "--end-of-options", `${rev}^{commit}`]);
  } catch {
    throw new CheckoutError(`${rev} is not a commit in ${top}`);
  }
  return { top, gitDir, sha, repo: await repoNameFor(top, reposRoot) };
}

async function repoNameFor(top: string, reposRoot: string): Promise<RepoName> {
  const origin = await git(top, ["config", "--get", "remote.origin.url"]).catch(() => "");
  if (origin !== "") {
    const path = relative(reposRoot, resolve(top, origin.replace(/^file:\/\//, "")));
    const name = parseRepoName(path);
    if (name.ok) return name.value;
  }
  const dir = basename(top).toLowerCase().replace(/[^a-z0-9._-]/g, "-").replace(/^[.-]+/, "") || "checkout";
  const fallback = parseRepoName(`local/${dir}.git`);
  if (!fallback.ok) throw new CheckoutError(fallback.error.message);
  return fallback.value;
}

export class CheckoutError extends Error {
  override readonly name = "CheckoutError";
  readonly code = "not_a_checkout";
}

/** The first pipeline file the commit has, checked with git (no server, no bare repo needed). */
export async function findCommittedPipeline(checkout: LocalCheckout, paths: readonly string[]): Promise<string | null> {
  for (const path of paths) {
    const type = await git(checkout.top, ["cat-file", "-t", `${checkout.sha}:${path}`]).catch(() => "");
    if (type === "blob") return path;
  }
  return null;
}

/** `refs/heads/<branch>` when a branch is checked out; the sha itself when detached. */
export async function currentRef(checkout: LocalCheckout): Promise<string> {
  const ref = await git(checkout.top, ["symbolic-ref", "-q", "HEAD"]).catch(() => "");
  return ref || checkout.sha;
}
