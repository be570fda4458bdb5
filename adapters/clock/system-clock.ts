import type { Clock } from "../../core/ports/clock-ids.ts";

export const systemClock: Clock = {
  now: () => new Date().toISOString(),
  after: (ms) => new Date(Date.now() + ms).toISOString(),
};
