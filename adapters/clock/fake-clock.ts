import type { Clock } from "../../core/ports/clock-ids.ts";

/** A clock that moves only when told to. */
export class FakeClock implements Clock {
  private ms: number;

  constructor(start = "2026-11-21T10:00:00.000Z") {
    this.ms = Date.parse(start);
  }

  now(): string {
    return new Date(this.ms).toISOString();
  }

  after(ms: number): string {
    return new Date(this.ms + ms).toISOString();
  }

  advance(ms: number): void {
    this.ms += ms;
  }
}
