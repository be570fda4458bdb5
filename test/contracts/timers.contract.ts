import { describe, expect, it } from "vitest";
import type { Timers } from "../../core/ports/timers.ts";

export interface TimersFixture {
  timers: Timers;
  /** Lets `ms` of the timers' time pass (real time for real timers). */
  pass(ms: number): Promise<void>;
}

/** What the run queue relies on from every Timers: a callback runs once after its delay, unless cancelled. */
export function timersContract(name: string, make: () => TimersFixture): void {
  describe(`Timers contract: ${name}`, () => {
    it("runs a callback once after its delay, not before", async () => {
      const { timers, pass } = make();
      const fired: string[] = [];
      timers.after(200, () => fired.push("late"));
      timers.after(10, () => fired.push("early"));
      await pass(50);
      expect(fired).toEqual(["early"]);
      await pass(400);
      expect(fired).toEqual(["early", "late"]);
      await pass(400);
      expect(fired).toEqual(["early", "late"]);
    });

    it("never runs a cancelled callback, and cancelling twice or after firing is harmless", async () => {
      const { timers, pass } = make();
      const fired: string[] = [];
      const cancel = timers.after(20, () => fired.push("cancelled"));
      const done = timers.after(10, () => fired.push("kept"));
      cancel();
      cancel();
      await pass(100);
      done();
      expect(fired).toEqual(["kept"]);
    });
  });
}
