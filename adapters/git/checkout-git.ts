/**
 * A developer's own git checkout (not a bare repo under the home), read through the git CLI
 * for `quire ci run` and `quire ci validate`. What the user cannot help (not a checkout, a
 * rev that names no commit) comes back as null; git failing otherwise is a GitError.
 */
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "../process/lazy-execa.ts";
import { GitError } from "../../core/errors.ts";

/** The committer of working-tree snapshots: fixed, so a user without git identity can still run. */
const SNAPSHOT_IDENTITY = {
  GIT_AUTHOR_NAME: "quire ci",
  GIT_AUTHOR_EMAIL: "quire-ci@localhost",
  GIT_COMMITTER_NAME: "quire ci",
  GIT_COMMITTER_EMAIL: "quire-ci@localhost",
};

export interface WorkingTreeSnapshot {
  /** A commit holding the working tree; HEAD itself when nothing differs from it. */
  sha: string;
  /** HEAD, or null on a branch with no commit yet. */
  head: string | null;
  changed: boolean;
}

export class CheckoutGit {
  private constructor(
    readonly top: string,
    /** Where its objects are read; `.git`, or a linked worktree's own git dir. */
    readonly gitDir: string,
  ) {}

  /** The checkout around `cwd`, or null when there is none. */
  static async open(cwd: string): Promise<CheckoutGit | null> {
    const found = await execa("git", ["rev-parse", "--show-toplevel", "--git-dir"], { cwd, reject: false });
    if (found.exitCode !== 0) return null;
    const [top, gitDir] = found.stdout.split("\n");
    if (top === undefined || gitDir === undefined || top === "") return null;
    return new CheckoutGit(top, resolve(top, gitDir));
  }

  /** The commit `rev` names, or null. `--end-of-options` keeps a rev like `--output=x` a rev. */
  async resolveCommit(rev: string): Promise<string | null> {
    const result = await this.git(["rev-parse", "--verify", "--quiet", "--end-of-options", `${rev}^{commit}`], { reject: false });
    return result.exitCode === 0 && result.stdout !== "" ? result.stdout : null;
  }

  /**
   * The full ref `rev` names (`feature/red` → `refs/heads/feature/red`, `HEAD` → the branch
   * checked out), or null for a sha, an expression such as `main~1`, or a detached HEAD.
   */
  async refNamed(rev: string): Promise<string | null> {
    const result = await this.git(["rev-parse", "--symbolic-full-name", "--end-of-options", rev], { reject: false });
    // git 2.39 echoes `--end-of-options` back as a line of its own.
    const name = result.exitCode === 0 ? result.stdout.split("\n").find((line) => line.startsWith("refs/")) : undefined;
    return name ?? null;
  }

  /** The branch checked out (`refs/heads/…`, even before its first commit), or null when detached. */
  async branch(): Promise<string | null> {
    const result = await this.git(["symbolic-ref", "-q", "HEAD"], { reject: false });
    return result.exitCode === 0 && result.stdout.startsWith("refs/") ? result.stdout : null;
  }

  /** `remote.origin.url`, or null. */
  async originUrl(): Promise<string | null> {
    const result = await this.git(["config", "--get", "remote.origin.url"], { reject: false });
    return result.exitCode === 0 && result.stdout !== "" ? result.stdout : null;
  }

  /**
   * The working tree as it is — staged, unstaged and untracked files, minus ignored ones — as
   * a commit on top of HEAD, made through a scratch index so the user's index is untouched.
   * Like `git stash create`, it writes objects into the repo that no ref keeps (gc prunes them).
   */
  async snapshot(): Promise<WorkingTreeSnapshot> {
    const head = await this.resolveCommit("HEAD");
    const scratch = await mkdtemp(join(tmpdir(), "quire-snapshot-"));
    try {
      const index = join(scratch, "index");
      // Starting from the real index keeps git's stat cache: unchanged files are not hashed again.
      const real = resolve(this.top, (await this.git(["rev-parse", "--git-path", "index"])).stdout);
      await copyFile(real, index).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOENT") throw new GitError("git_index_unreadable", `cannot read ${real}`, { cause: error });
      });
      const env = { GIT_INDEX_FILE: index };
      await this.git(["add", "--all", "--", "."], { env });
      const tree = (await this.git(["write-tree"], { env })).stdout;
      if (head !== null && (await this.git(["rev-parse", `${head}^{tree}`])).stdout === tree) return { sha: head, head, changed: false };
      const parent = head === null ? [] : ["-p", head];
      const made = await this.git(["commit-tree", tree, ...parent, "-m", "quire ci run: the working tree"], { env: SNAPSHOT_IDENTITY });
      return { sha: made.stdout, head, changed: true };
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  private async git(args: string[], options: { reject?: boolean; env?: Record<string, string> } = {}) {
    try {
      const result = await execa("git", args, { cwd: this.top, reject: options.reject ?? true, ...(options.env ? { env: options.env } : {}) });
      return { exitCode: result.exitCode ?? 1, stdout: result.stdout.trim() };
    } catch (cause) {
      throw new GitError("git_failed", `git ${args[0]} failed in ${this.top}: ${(cause as { stderr?: string }).stderr?.trim() || (cause as Error).message}`, { cause });
    }
  }
}
