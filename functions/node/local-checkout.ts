import { basename, relative, resolve } from "node:path";
import { CheckoutGit } from "../../adapters/git/checkout-git.ts";
import { GitCli } from "../../adapters/git/git-cli.ts";
import { PIPELINE_PATHS } from "../../core/intake/gate.ts";
import { parseRepoName } from "../../core/names/repo-name.ts";
import { err, ok, type Result } from "../../core/result.ts";
import type { RepoName } from "../../core/types.ts";

/** What `quire ci run` and `quire ci validate` take from the checkout. */
export type CheckoutTarget = { kind: "working-tree" } | { kind: "committed" } | { kind: "rev"; rev: string };

export interface LocalCheckout {
  top: string;
  gitDir: string;
  /** The commit to run: HEAD, the rev asked for, or a snapshot of the working tree. */
  sha: string;
  /** The ref the run is recorded under: the one named or checked out, else the sha (detached). */
  ref: string;
  /** The repo the run is recorded under: the quire repo `origin` points at, else `local/<dir>.git`. */
  repo: RepoName;
  /** The pipeline file at `sha`, found as the server's gate finds it; null when there is none. */
  pipeline: string | null;
  /** For the terminal: what is being run, e.g. "the working tree (uncommitted changes on 1a2b3c4d5e6f)". */
  description: string;
}

/** The commit a `quire ci` command works on, or why there is none (a usage error). */
export async function openCheckout(cwd: string, reposRoot: string, target: CheckoutTarget): Promise<Result<LocalCheckout, string>> {
  const checkout = await CheckoutGit.open(cwd);
  if (checkout === null) return err(`${cwd} is not inside a git checkout`);
  const picked = await pick(checkout, target);
  if (!picked.ok) return picked;
  const { sha, ref, description } = picked.value;
  const repo = await repoNameFor(checkout, reposRoot);
  if (!repo.ok) return repo;
  // The same lookup the server's gate does on a push, pointed at this checkout's objects.
  const git = new GitCli(reposRoot, undefined, () => checkout.gitDir);
  try {
    const pipeline = await git.findFile(repo.value, sha, PIPELINE_PATHS);
    return ok({ top: checkout.top, gitDir: checkout.gitDir, sha, ref, repo: repo.value, pipeline, description });
  } finally {
    git.close();
  }
}

async function pick(checkout: CheckoutGit, target: CheckoutTarget): Promise<Result<{ sha: string; ref: string; description: string }, string>> {
  const short = (sha: string) => sha.slice(0, 12);
  if (target.kind === "working-tree") {
    const snap = await checkout.snapshot();
    const ref = (await checkout.branch()) ?? snap.sha;
    if (!snap.changed) return ok({ sha: snap.sha, ref, description: `the working tree (no uncommitted changes, ${short(snap.sha)})` });
    const base = snap.head === null ? "no commit yet" : `uncommitted changes on ${short(snap.head)}`;
    return ok({ sha: snap.sha, ref, description: `the working tree (${base}; snapshot ${short(snap.sha)})` });
  }
  const rev = target.kind === "committed" ? "HEAD" : target.rev;
  const sha = await checkout.resolveCommit(rev);
  if (sha === null) return err(`${rev} is not a commit in ${checkout.top}`);
  const ref = (await checkout.refNamed(rev)) ?? sha;
  return ok({ sha, ref, description: `commit ${short(sha)}` });
}

async function repoNameFor(checkout: CheckoutGit, reposRoot: string): Promise<Result<RepoName, string>> {
  const origin = await checkout.originUrl();
  if (origin !== null) {
    const path = relative(reposRoot, resolve(checkout.top, origin.replace(/^file:\/\//, "")));
    const name = parseRepoName(path);
    if (name.ok) return name;
  }
  const dir = basename(checkout.top).toLowerCase().replace(/[^a-z0-9._-]/g, "-").replace(/^[.-]+/, "") || "checkout";
  const fallback = parseRepoName(`local/${dir}.git`);
  return fallback.ok ? fallback : err(fallback.error.message);
}
