import type { Timers } from "../../core/ports/timers.ts";

interface Pending {
  at: number;
  fn: () => void;
}

/** Timers that fire only when the test moves time on, in the order they are due. */
export class FakeTimers implements Timers {
  private now = 0;
  private readonly pending = new Set<Pending>();

  after(ms: number, fn: () => void): () => void {
    const timer: Pending = { at: this.now + Math.max(0, ms), fn };
    this.pending.add(timer);
    return () => void this.pending.delete(timer);
  }

  /** Moves time on by `ms`, firing every timer due by then; a timer set while firing counts too. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.pending].filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.pending.delete(due);
      this.now = due.at;
      due.fn();
    }
    this.now = until;
  }

  /** Timers set and neither fired nor cancelled. */
  get size(): number {
    return this.pending.size;
  }
}
