import { appendJournal, journalLine, type IndexOp } from "./index-journal.ts";
import type { IndexLock } from "./index-lock.ts";

interface Pending {
  op: IndexOp;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for journal appends: changes that arrive while a write is in flight go
 * out together in the next single write, under one take of the lock. A burst of
 * transitions thus costs a few appends, not one lock round-trip each.
 */
export class JournalWriter {
  private queue: Pending[] = [];
  private inflight: Pending[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly path: string,
    private readonly lock: IndexLock,
    /** Tags every line, so a reader can skip its own. */
    readonly writer: string,
    private readonly written: (lines: number) => void,
  ) {}

  /** Resolves once the change is in the journal. */
  write(op: IndexOp): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      this.kick();
    });
  }

  /** Changes accepted but not yet on disk, oldest first. */
  pending(): IndexOp[] {
    return [...this.inflight, ...this.queue].map((p) => p.op);
  }

  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Starts the writer unless it runs; when it stops, anything queued meanwhile restarts it. */
  private kick(): void {
    if (this.running || this.queue.length === 0) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      this.inflight = this.queue;
      this.queue = [];
      const text = this.inflight.map((p) => journalLine(this.writer, p.op)).join("");
      try {
        await this.lock.run(() => appendJournal(this.path, text));
        this.written(this.inflight.length);
        for (const p of this.inflight) p.resolve();
      } catch (error) {
        for (const p of this.inflight) p.reject(error);
      }
      this.inflight = [];
    }
  }
}
