import { createInterface } from "node:readline";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { GitError } from "../../core/errors.ts";

interface Pending {
  resolve: (line: string) => void;
  reject: (error: Error) => void;
}

/**
 * The intake bench's floor (quire itself asks git through adapters/git/cat-file-session.ts);
 * kept as it was so the floor stays comparable across sessions.
 *
 * One long-lived `git cat-file --batch-check` per repo: a ref lookup is one line
 * written and one read, not a process spawned. It exits after `idleMs` unused.
 */
export class CatFileBatch {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: Pending[] = [];
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(gitDir: string, private readonly idleMs: number, private readonly onExit: () => void) {
    // A streaming, long-lived child: spawn fits better than execa's one-shot promise.
    // safe.directory: a repo registered where it lives is often owned by its hosting user.
    this.child = spawn("git", ["-c", `safe.directory=${gitDir}`, "--git-dir", gitDir, "cat-file", "--batch-check=%(objecttype)"], { stdio: "pipe" });
    createInterface({ input: this.child.stdout }).on("line", (line) => this.waiting.shift()?.resolve(line));
    let stderr = "";
    this.child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    this.child.on("error", (cause) => this.fail(new GitError("git_spawn_failed", "cannot start git cat-file", { cause })));
    this.child.on("exit", (code) => this.fail(new GitError("git_exited", `git cat-file exited ${code}: ${stderr.trim()}`)));
    this.child.stdin.on("error", (cause) => this.fail(new GitError("git_exited", "git cat-file stdin closed", { cause })));
    this.touch();
  }

  /** The object type of `<sha>:<path>` ("blob", "tree", …) or null when it is missing. */
  lookup(spec: string): Promise<string | null> {
    return this.lookupAll([spec]).then(([type]) => type ?? null);
  }

  /** Several lookups in one write: one answer line each, in order. */
  lookupAll(specs: readonly string[]): Promise<(string | null)[]> {
    if (this.closed) return Promise.reject(new GitError("git_exited", "git cat-file is closed"));
    // A newline would split one question into two and shift every later answer.
    const asked = specs.filter((spec) => !/[\n\r]/.test(spec));
    if (asked.length === 0) return Promise.resolve(specs.map(() => null));
    this.touch();
    const answers = asked.map(
      () =>
        new Promise<string>((resolve, reject) => this.waiting.push({ resolve, reject })).then((line) =>
          line.endsWith(" missing") || line.endsWith(" ambiguous") ? null : line.trim(),
        ),
    );
    this.child.stdin.write(asked.map((spec) => `${spec}\n`).join(""));
    return Promise.all(answers).then((types) => {
      let next = 0;
      return specs.map((spec) => (/[\n\r]/.test(spec) ? null : (types[next++] ?? null)));
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.idleTimer);
    this.child.stdin.end();
    this.onExit();
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.close(), this.idleMs);
    this.idleTimer.unref();
  }

  private fail(error: Error): void {
    this.closed = true;
    clearTimeout(this.idleTimer);
    this.onExit();
    for (const pending of this.waiting.splice(0)) pending.reject(error);
  }
}
