import type { Timers } from "../../core/ports/timers.ts";

export const nodeTimers: Timers = {
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};
