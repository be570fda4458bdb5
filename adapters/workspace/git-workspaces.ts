import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { GitError, StorageError } from "../../core/errors.ts";
import type { Workspaces } from "../../core/ports/workspaces.ts";
import type { WorkspaceJanitor } from "../../core/ports/janitors.ts";
import { err, ok, type Result } from "../../core/result.ts";
import type { RepoName } from "../../core/types.ts";

export interface GitWorkspacesOptions {
  /** `<home>/repos`, where the bare repositories live. */
  reposRoot: string;
  /** Where per-run workspaces go; outside `runs/`, since they are throwaway. */
  root: string;
  /** Leave workspaces in place after the run, to debug a pipeline by hand. */
  keep?: boolean;
  /** Where a repo's objects are; `quire ci run` points this at a local checkout. */
  gitDirOf?: (repo: RepoName) => string;
}

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
// The root also holds bookkeeping in hidden directories; a run id never starts with a dot.
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
/** Enough of git's or tar's complaint to explain a failure; the rest is noise. */
const STDERR_LIMIT = 8 * 1024;

type Failure = { message: string };

/** `git archive <sha> | tar -x` into `<root>/<run-id>`. */
export class GitWorkspaces implements Workspaces, WorkspaceJanitor {
  constructor(private readonly options: GitWorkspacesOptions) {}

  async materialize(repo: RepoName, sha: string, runId: string): Promise<Result<string, Failure>> {
    if (!SHA.test(sha)) return err({ message: `not a commit sha: ${JSON.stringify(sha)}` });
    if (!RUN_ID.test(runId)) return err({ message: `not a run id: ${JSON.stringify(runId)}` });
    const dir = join(this.options.root, runId);
    // A run put back in the queue after a crash may find its half-made workspace.
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const gitDir = this.options.gitDirOf?.(repo) ?? join(this.options.reposRoot, repo);
    const extracted = await archiveInto(gitDir, sha, dir);
    if (!extracted.ok) await rm(dir, { recursive: true, force: true });
    return extracted.ok ? ok(dir) : extracted;
  }

  /** Workspaces on disk, by run id; none when they are kept on purpose (gc collects those). */
  async listRuns(): Promise<string[]> {
    if (this.options.keep) return [];
    try {
      const entries = await readdir(this.options.root, { withFileTypes: true });
      return entries.filter((e) => e.isDirectory() && RUN_ID.test(e.name)).map((e) => e.name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw new StorageError("workspaces_unreadable", `cannot list ${this.options.root}`, { cause: error });
    }
  }

  async remove(runId: string): Promise<void> {
    if (this.options.keep || !RUN_ID.test(runId)) return;
    await rm(join(this.options.root, runId), { recursive: true, force: true });
  }
}

async function archiveInto(gitDir: string, sha: string, dir: string): Promise<Result<void, Failure>> {
  const git = spawn("git", ["-c", `safe.directory=${gitDir}`, "--git-dir", gitDir, "archive", "--format=tar", sha], { stdio: ["ignore", "pipe", "pipe"] });
  const tar = spawn("tar", ["-x", "-f", "-", "-C", dir, "--no-same-owner"], { stdio: ["pipe", "ignore", "pipe"] });
  git.stdout.pipe(tar.stdin);
  // tar quitting early must not crash us with EPIPE; its own exit code tells the story.
  tar.stdin.on("error", () => undefined);
  const ends = Promise.all([finished(git, "git"), finished(tar, "tar")]);
  const [gitEnd, tarEnd] = await ends.catch((error: unknown) => {
    // One side could not start; the other must not wait for it forever.
    git.kill("SIGKILL");
    tar.kill("SIGKILL");
    throw error;
  });
  if (gitEnd.code !== 0) return err({ message: gitEnd.stderr || `git archive exited with ${gitEnd.code}` });
  if (tarEnd.code !== 0) return err({ message: `tar: ${tarEnd.stderr || `exited with ${tarEnd.code}`}` });
  return ok(undefined);
}

function finished(child: ChildProcess, name: string): Promise<{ code: number | null; stderr: string }> {
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    if (stderr.length < STDERR_LIMIT) stderr += chunk.toString("utf8");
  });
  return new Promise((resolve, reject) => {
    child.on("error", (cause) => reject(new GitError(`${name}_unavailable`, `cannot run ${name}`, { cause })));
    child.on("close", (code) => resolve({ code, stderr: stderr.slice(0, STDERR_LIMIT).trim() }));
  });
}
