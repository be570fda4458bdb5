import type { Clock } from "../ports/clock-ids.ts";
import type { RunStore } from "../ports/storage.ts";
import { RunHandle } from "../run/run-handle.ts";
import type { StopReason } from "../run/stop-reason.ts";
import type { RunRecord } from "../types.ts";
import type { Timers } from "../ports/timers.ts";

export interface QueueDeps {
  store: RunStore;
  clock: Clock;
  timers: Timers;
  concurrency: number;
  runTimeoutMs: number;
  /** Executes one run to its end; the signal carries a StopReason when aborted. */
  execute(run: RunRecord, signal: AbortSignal): Promise<RunRecord>;
  onError?(run: RunRecord, error: unknown): void;
}

export type CancelResult =
  | { kind: "cancelled"; run: RunRecord }
  | { kind: "stopping"; run: RunRecord }
  | { kind: "not-cancellable"; message: string };

interface Running {
  run: RunRecord;
  controller: AbortController;
  done: Promise<void>;
}

const sameRef = (a: RunRecord, b: RunRecord) => a.meta.repo === b.meta.repo && a.meta.ref === b.meta.ref;
const stop = (kind: StopReason["kind"], message: string): StopReason => ({ kind, message });

/**
 * The in-process run queue: FIFO, bounded concurrency, a per-run timeout. A newer push
 * to the same repo and ref supersedes a queued run and stops a running one.
 */
export class RunQueue {
  private readonly queued: RunRecord[] = [];
  private readonly running = new Map<string, Running>();
  private idleWaiters: (() => void)[] = [];

  constructor(private deps: QueueDeps) {}

  /** A reloaded config: a higher limit starts queued runs now; a lower one lets running runs finish. */
  reconfigure(settings: Pick<QueueDeps, "concurrency" | "runTimeoutMs">): void {
    this.deps = { ...this.deps, ...settings };
    this.pump();
  }

  /** True when the run joined the queue; false when it was already here or is superseded. */
  enqueue(run: RunRecord): boolean {
    const id = run.meta.run_id;
    if (this.running.has(id) || this.queued.some((q) => q.meta.run_id === id)) return false;
    const newer = [...this.queued, ...[...this.running.values()].map((r) => r.run)].find(
      (other) => sameRef(other, run) && other.meta.run_id > id,
    );
    if (newer) {
      void this.supersedePending(run, newer);
      return false;
    }
    for (const older of this.queued.filter((q) => sameRef(q, run))) {
      this.queued.splice(this.queued.indexOf(older), 1);
      void this.supersedePending(older, run);
    }
    for (const active of this.running.values()) {
      if (sameRef(active.run, run)) {
        active.controller.abort(stop("superseded", `superseded by ${run.meta.repo}#${run.meta.number} (${id})`));
      }
    }
    this.queued.push(run);
    this.pump();
    return true;
  }

  /** Running in this process now: its lease may lag, but it is not an orphan. */
  isRunning(runId: string): boolean {
    return this.running.has(runId);
  }

  /**
   * Stops a run this queue is executing, for a reason decided elsewhere (a cancel or a
   * newer push seen by another process); false when it is not running here.
   */
  stop(runId: string, reason: StopReason): boolean {
    const active = this.running.get(runId);
    if (!active) return false;
    active.controller.abort(reason);
    return true;
  }

  /** Ids of the runs executing here now. */
  runningIds(): string[] {
    return [...this.running.keys()];
  }

  /** `by` says who asked (a user name from a trusted proxy, or the token holder); it ends up in state.yml. */
  async cancel(run: RunRecord, by = "request"): Promise<CancelResult> {
    const id = run.meta.run_id;
    const active = this.running.get(id);
    if (active) {
      active.controller.abort(stop("cancelled", `cancelled by ${by}`));
      return { kind: "stopping", run: active.run };
    }
    const index = this.queued.findIndex((q) => q.meta.run_id === id);
    if (index !== -1) this.queued.splice(index, 1);
    if (run.state.status !== "pending") {
      return { kind: "not-cancellable", message: `run ${id} is ${run.state.status} and not running here` };
    }
    const moved = await new RunHandle(this.deps.store, this.deps.clock, run).move({
      to: "failed",
      outcome: "cancelled",
      error: `cancelled by ${by} before it started`,
    });
    this.settleIdle();
    return moved.ok ? { kind: "cancelled", run: moved.value } : { kind: "not-cancellable", message: moved.error.message };
  }

  /** Resolves once nothing is queued or running (tests, graceful shutdown). */
  idle(): Promise<void> {
    if (this.queued.length === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops every running run (server shutdown); queued runs stay pending on disk for the next start. */
  async stopAll(message: string): Promise<void> {
    this.queued.splice(0);
    for (const active of this.running.values()) active.controller.abort(stop("cancelled", message));
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  get size(): { queued: number; running: number } {
    return { queued: this.queued.length, running: this.running.size };
  }

  private pump(): void {
    while (this.running.size < this.deps.concurrency && this.queued.length > 0) {
      const run = this.queued.shift() as RunRecord;
      const controller = new AbortController();
      const cancelTimer = this.deps.timers.after(this.deps.runTimeoutMs, () =>
        controller.abort(stop("timed-out", `run exceeded its ${Math.round(this.deps.runTimeoutMs / 1000)} s timeout`)),
      );
      const done = this.deps
        .execute(run, controller.signal)
        .then(
          () => undefined,
          (error: unknown) => this.deps.onError?.(run, error),
        )
        .finally(() => {
          cancelTimer();
          this.running.delete(run.meta.run_id);
          this.pump();
          this.settleIdle();
        });
      this.running.set(run.meta.run_id, { run, controller, done });
    }
  }

  private async supersedePending(run: RunRecord, by: RunRecord): Promise<void> {
    await new RunHandle(this.deps.store, this.deps.clock, run).move({
      to: "failed",
      outcome: "superseded",
      error: `superseded by ${by.meta.repo}#${by.meta.number} (${by.meta.run_id}) before it started`,
    });
    this.settleIdle();
  }

  private settleIdle(): void {
    if (this.queued.length > 0 || this.running.size > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
