import type { PgRunClaims } from "../../adapters/postgres/pg-run-claims.ts";
import type { Logger } from "../../core/ports/logger.ts";
import type { RunQueue } from "../../core/queue/run-queue.ts";

export interface ClaimLoopOptions {
  queue: RunQueue;
  claims: PgRunClaims;
  /** The lease owner this runner writes; the claim carries the same string. */
  owner: string;
  concurrency: number;
  logger: Logger;
  /** How long a claim holds before another runner may take the run (the claimant died before starting it). */
  claimTtlMs: number;
  /** Polls behind the notifications: for pending runs, and for stop requests of runs held here. */
  pollMs?: number;
}

/**
 * Keeps this runner's queue full from the shared queue in PostgreSQL: claims while a slot
 * is free, on a notification, when a run here ends, and on a poll. Also passes stop
 * requests (cancel, supersede) to the runs it holds.
 */
export class ClaimLoop {
  private filling = false;
  private again = false;
  private stopped = false;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: ClaimLoopOptions) {
    this.timer = setInterval(() => {
      this.wake();
      void this.checkStops();
    }, options.pollMs ?? 1_000);
    this.timer.unref();
  }

  /** Claims until the queue is full or nothing is pending. */
  wake(): void {
    if (this.stopped) return;
    if (this.filling) {
      this.again = true;
      return;
    }
    this.filling = true;
    void this.fill().finally(() => (this.filling = false));
  }

  private async fill(): Promise<void> {
    const { queue, claims, owner, claimTtlMs, logger } = this.options;
    try {
      do {
        this.again = false;
        while (!this.stopped && this.free() > 0) {
          const run = await claims.claim(owner, claimTtlMs);
          if (!run) break;
          if (this.stopped) {
            await claims.release(run.meta.run_id, owner);
            break;
          }
          logger.info({ run_id: run.meta.run_id, repo: run.meta.repo, number: run.meta.number }, "claimed run");
          queue.enqueue(run);
        }
      } while (this.again && !this.stopped);
    } catch (error) {
      logger.warn({ err: error }, "claiming runs failed; retrying on the next poll");
    }
  }

  private free(): number {
    const { queued, running } = this.options.queue.size;
    return this.options.concurrency - queued - running;
  }

  /** Stops runs held here that someone asked to stop; the run ends with the asked outcome. */
  async checkStops(): Promise<void> {
    const { queue, claims, logger } = this.options;
    const held = queue.runningIds();
    if (held.length === 0) return;
    try {
      for (const [runId, reason] of await claims.pendingStops(held)) {
        if (queue.stop(runId, reason)) logger.info({ run_id: runId, reason: reason.kind }, "stopping run on request");
      }
    } catch (error) {
      logger.warn({ err: error }, "reading stop requests failed; retrying on the next poll");
    }
  }

  /** No new claims from now on; runs already held keep running until the queue stops them. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }
}
