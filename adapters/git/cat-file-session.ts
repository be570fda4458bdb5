import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { GitError } from "../../core/errors.ts";

/** Larger answers than a commit or a pipeline's directory could sensibly be are read past rather than buffered. */
const MAX_OBJECT = 1024 * 1024;

interface Question {
  resolve: (answer: { header: string; body: Buffer } | null) => void;
  reject: (error: Error) => void;
}

/**
 * One long-lived `git cat-file --batch-command --buffer` per repo answers both questions
 * intake asks (is there a pipeline file, what is the commit's subject). Questions asked
 * in the same turn of the event loop, by every request in flight, go out in one write
 * ending in `flush`, and git answers them in one write: each pipe write wakes the other
 * process, and on a busy machine those wake-ups, not git's work, were the cost (about a
 * tenth of the server's time with a write per question). It exits after `idleMs` unused.
 */
export class CatFileSession {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: Question[] = [];
  private outgoing: string[] = [];
  private flushScheduled = false;
  private buffer: Buffer = Buffer.alloc(0);
  /** Bytes still to come of an answer too large to keep. */
  private skipping = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(gitDir: string, private readonly idleMs: number, private readonly onExit: () => void) {
    // A streaming, long-lived child: spawn fits better than execa's one-shot promise.
    // safe.directory: a repo registered where it lives is often owned by its hosting user.
    this.child = spawn("git", ["-c", `safe.directory=${gitDir}`, "--git-dir", gitDir, "cat-file", "--batch-command", "--buffer"], { stdio: "pipe" });
    this.child.stdout.on("data", (chunk: Buffer) => this.take(chunk));
    let stderr = "";
    this.child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    this.child.on("error", (cause) => this.fail(new GitError("git_spawn_failed", "cannot start git cat-file", { cause })));
    this.child.on("close", (code) => this.fail(new GitError("git_exited", `git cat-file exited ${code}: ${stderr.trim()}`)));
    this.child.stdin.on("error", (cause) => this.fail(new GitError("git_exited", "git cat-file stdin closed", { cause })));
    this.touch();
  }

  /** The raw object `spec` names, or null when there is none. */
  contents(spec: string): Promise<Buffer | null> {
    return this.object(spec).then((object) => object?.body ?? null);
  }

  /** The type ("blob", "tree", …) and raw contents of the object `spec` names, or null when there is none. */
  object(spec: string): Promise<{ type: string; body: Buffer } | null> {
    return this.ask(spec).then((answer) => (answer ? { type: answer.header.split(" ")[1] ?? "", body: answer.body } : null));
  }

  close(): void {
    if (this.closed) return;
    // Questions already asked are still answered: git answers everything before it exits.
    this.send();
    this.closed = true;
    clearTimeout(this.idleTimer);
    this.child.stdin.end();
    this.onExit();
  }

  private ask(spec: string): Promise<{ header: string; body: Buffer } | null> {
    if (this.closed) return Promise.reject(new GitError("git_exited", "git cat-file is closed"));
    // A newline would split one question into two and shift every later answer.
    if (/[\n\r]/.test(spec)) return Promise.resolve(null);
    this.touch();
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.outgoing.push(`contents ${spec}\n`);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.send());
      }
    });
  }

  private send(): void {
    this.flushScheduled = false;
    if (this.closed || this.outgoing.length === 0) return;
    const text = this.outgoing.join("") + "flush\n";
    this.outgoing = [];
    this.child.stdin.write(text);
  }

  private take(chunk: Buffer): void {
    if (this.skipping > 0) {
      // The rest of an answer too large to keep.
      const skipped = Math.min(this.skipping, chunk.length);
      this.skipping -= skipped;
      chunk = chunk.subarray(skipped);
    }
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const question = this.waiting[0];
      const eol = this.buffer.indexOf(0x0a);
      if (question === undefined || eol === -1) return;
      const header = this.buffer.subarray(0, eol).toString("utf8");
      if (header.endsWith(" missing") || header.endsWith(" ambiguous")) {
        this.buffer = this.buffer.subarray(eol + 1);
        this.waiting.shift();
        question.resolve(null);
        continue;
      }
      const size = Number(header.split(" ")[2]);
      if (!Number.isInteger(size) || size < 0) {
        this.fail(new GitError("git_protocol", `unexpected answer from git cat-file: ${header.slice(0, 100)}`));
        this.child.kill();
        return;
      }
      if (size > MAX_OBJECT) {
        // Answered as none (a pusher may make a tree or commit that large), and read past.
        this.waiting.shift();
        question.resolve(null);
        const rest = eol + 2 + size;
        this.skipping = Math.max(0, rest - this.buffer.length);
        this.buffer = this.buffer.subarray(Math.min(rest, this.buffer.length));
        if (this.skipping > 0) return;
        continue;
      }
      if (this.buffer.length < eol + 1 + size + 1) return;
      const body = Buffer.from(this.buffer.subarray(eol + 1, eol + 1 + size));
      this.buffer = this.buffer.subarray(eol + 2 + size);
      this.waiting.shift();
      question.resolve({ header, body });
    }
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    // Idle means nothing is waiting either: a slow answer does not close the process under it.
    this.idleTimer = setTimeout(() => (this.waiting.length > 0 ? this.touch() : this.close()), this.idleMs);
    this.idleTimer.unref();
  }

  private fail(error: Error): void {
    if (!this.closed) this.onExit();
    this.closed = true;
    clearTimeout(this.idleTimer);
    this.outgoing = [];
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
