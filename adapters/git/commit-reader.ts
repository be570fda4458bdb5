import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { GitError } from "../../core/errors.ts";

interface Pending {
  resolve: (body: Buffer | null) => void;
  reject: (error: Error) => void;
}

/** Larger answers than a commit could sensibly be are refused rather than buffered. */
const MAX_OBJECT = 1024 * 1024;

/**
 * One long-lived `git cat-file --batch` per repo that reads commit objects: a lookup is one
 * line written and one answer read, not a process spawned per push. Only `<sha>^{commit}`
 * is asked, so an answer is always a (small) commit; it exits after `idleMs` unused.
 */
export class CommitReader {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: Pending[] = [];
  private buffer: Buffer = Buffer.alloc(0);
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(gitDir: string, private readonly idleMs: number, private readonly onExit: () => void) {
    // safe.directory: a repo registered where it lives is often owned by its hosting user.
    this.child = spawn("git", ["-c", `safe.directory=${gitDir}`, "--git-dir", gitDir, "cat-file", "--batch"], { stdio: "pipe" });
    this.child.stdout.on("data", (chunk: Buffer) => this.take(chunk));
    this.child.stderr.resume();
    this.child.on("error", (cause) => this.fail(new GitError("git_spawn_failed", "cannot start git cat-file --batch", { cause })));
    this.child.on("exit", (code) => this.fail(new GitError("git_exited", `git cat-file --batch exited ${code}`)));
    this.child.stdin.on("error", (cause) => this.fail(new GitError("git_exited", "git cat-file stdin closed", { cause })));
    this.touch();
  }

  /** The raw commit object of a full object name, or null when there is no such commit. */
  read(sha: string): Promise<Buffer | null> {
    if (this.closed) return Promise.reject(new GitError("git_exited", "git cat-file is closed"));
    this.touch();
    const answer = new Promise<Buffer | null>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.child.stdin.write(`${sha}^{commit}\n`);
    return answer;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.idleTimer);
    this.child.stdin.end();
    this.onExit();
  }

  private take(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const eol = this.buffer.indexOf(0x0a);
      if (eol === -1) return;
      const header = this.buffer.subarray(0, eol).toString("utf8");
      if (header.endsWith(" missing") || header.endsWith(" ambiguous")) {
        this.buffer = this.buffer.subarray(eol + 1);
        this.waiting.shift()?.resolve(null);
        continue;
      }
      const size = Number(header.split(" ")[2]);
      if (!Number.isInteger(size) || size > MAX_OBJECT) {
        this.fail(new GitError("git_protocol", `unexpected answer from git cat-file: ${header.slice(0, 100)}`));
        this.child.kill();
        return;
      }
      if (this.buffer.length < eol + 1 + size + 1) return;
      const body = Buffer.from(this.buffer.subarray(eol + 1, eol + 1 + size));
      this.buffer = this.buffer.subarray(eol + 2 + size);
      this.waiting.shift()?.resolve(body);
    }
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.close(), this.idleMs);
    this.idleTimer.unref();
  }

  private fail(error: Error): void {
    if (!this.closed) this.onExit();
    this.closed = true;
    clearTimeout(this.idleTimer);
    for (const pending of this.waiting.splice(0)) pending.reject(error);
  }
}

/** The first line of a commit's message, without control characters, at most 200 characters. */
export function subjectOf(commit: Buffer): string {
  const text = commit.toString("utf8");
  const start = text.indexOf("\n\n");
  if (start === -1) return "";
  const line = text.slice(start + 2).split("\n")[0] ?? "";
  return line.replace(/[\u0000-\u001f\u007f]/g, "").trim().slice(0, 200);
}
