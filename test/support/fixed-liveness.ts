import type { Liveness } from "../../core/ports/liveness.ts";

/** For tests: every owner in `alive` lives, everyone else is gone. */
export function fixedLiveness(self: string, alive: readonly string[] = []): Liveness {
  const set = new Set([self, ...alive]);
  return { self, isAlive: (owner) => set.has(owner) };
}
