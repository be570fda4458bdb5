import { appendJournal, journalLine, type IndexOp } from "./index-journal.ts";
import type { IndexLock } from "./index-lock.ts";

interface Pending {
  op: IndexOp;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** After its last append a writer keeps the lock this long for the next one. */
const LINGER_MS = 10;
/** One take of the lock covers appends for at most this long, so other processes get a turn. */
const MAX_HOLD_MS = 200;

/**
 * Group commit for journal appends: changes that arrive while a write is in flight go
 * out together in the next single write, under one take of the lock. A burst of
 * transitions thus costs a few appends, not one lock round-trip each.
 *
 * In a burst (several changes queued while the lock was being taken), the appends that
 * follow each other closely share one take of the lock (for up to MAX_HOLD_MS): taking
 * it and letting it go are a directory made and removed, two
 * thread-pool round trips that on a disk busy with fsyncs waited behind them, and made
 * every intake request wait milliseconds for a write of microseconds.
 */
export class JournalWriter {
  private queue: Pending[] = [];
  private inflight: Pending[] = [];
  private running: Promise<void> | undefined;
  private arrived: (() => void) | undefined;

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
      this.arrived?.();
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
    try {
      await this.lock.run(async () => {
        const until = Date.now() + MAX_HOLD_MS;
        // A lone change lets go at once; several queued while the lock was taken mean a burst.
        const burst = this.queue.length > 1;
        while (this.queue.length > 0 || (burst && Date.now() < until && (await this.arrival()))) this.append();
      });
    } catch (error) {
      // The lock could not be had (or let go): what was not written fails.
      for (const p of [...this.inflight, ...this.queue.splice(0)]) p.reject(error);
      this.inflight = [];
    }
  }

  private append(): void {
    this.inflight = this.queue;
    this.queue = [];
    const text = this.inflight.map((p) => journalLine(this.writer, p.op)).join("");
    try {
      appendJournal(this.path, text);
      this.written(this.inflight.length);
      for (const p of this.inflight) p.resolve();
    } catch (error) {
      for (const p of this.inflight) p.reject(error);
    }
    this.inflight = [];
  }

  /** Whether a change arrived within LINGER_MS. */
  private arrival(): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), LINGER_MS);
      const done = (came: boolean) => {
        clearTimeout(timer);
        this.arrived = undefined;
        resolve(came);
      };
      this.arrived = () => done(true);
    });
  }
}
