import type { Ids } from "../../core/ports/clock-ids.ts";

/** Predictable, still time-ordered and UUID-shaped ids for tests. */
export class FakeIds implements Ids {
  private n = 0;

  runId(): string {
    this.n += 1;
    const tail = this.n.toString(16).padStart(12, "0");
    return `0190a000-0000-7000-8000-${tail}`;
  }
}
