import { describe, expect, it } from "vitest";
import type { Liveness } from "../../core/ports/liveness.ts";

export interface LivenessFixture {
  liveness: Liveness;
  /** An owner string of someone still alive, other than `self`. */
  aliveOwner: string;
  /** An owner string of someone known to be gone. */
  deadOwner: string;
}

/** What reconcile relies on: its own leases and live owners are never taken for orphans, gone ones are. */
export function livenessContract(name: string, make: () => Promise<LivenessFixture>): void {
  describe(`Liveness contract: ${name}`, () => {
    it("counts itself and a live owner as alive, a gone owner as dead", async () => {
      const { liveness, aliveOwner, deadOwner } = await make();
      expect(liveness.self.length).toBeGreaterThan(0);
      expect(liveness.isAlive(liveness.self)).toBe(true);
      expect(liveness.isAlive(aliveOwner)).toBe(true);
      expect(liveness.isAlive(deadOwner)).toBe(false);
    });

    it("gives every instance its own self, so a restarted owner is not taken for the old one", async () => {
      const a = await make();
      const b = await make();
      expect(a.liveness.self).not.toBe(b.liveness.self);
    });
  });
}
