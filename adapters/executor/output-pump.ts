import type { Readable } from "node:stream";
import { performance } from "node:perf_hooks";
import type { StreamName } from "../../core/ports/exec.ts";
import type { Write } from "./serialized-write.ts";

/** Pipes held open by background children are read at most this long after the exit. */
const DRAIN_MAX_MS = 5_000;

/**
 * Waits for the pipes to close. Background children may keep them open forever, so
 * reading stops after `idleMs` without output, or DRAIN_MAX_MS in all; a slow sink
 * still gets everything, since each chunk it takes counts as activity.
 */
export async function settle(pumps: Promise<void>, activity: { last: number }, idleMs: number): Promise<boolean> {
  let done = false;
  void pumps.then(() => (done = true));
  const hardDeadline = performance.now() + DRAIN_MAX_MS;
  while (!done) {
    const wait = Math.min(activity.last + idleMs, hardDeadline) - performance.now();
    if (wait <= 0) return false;
    // A plain timer: aborting a timers/promises sleep builds an AbortError with its stack, once per command.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([pumps, new Promise<void>((resolve) => (timer = setTimeout(resolve, wait)))]);
    clearTimeout(timer);
  }
  return true;
}

export async function pump(stream: Readable, name: StreamName, write: Write, activity: { last: number }): Promise<void> {
  try {
    // Async iteration pauses the pipe while the sink writes: backpressure reaches the command.
    for await (const chunk of stream) {
      activity.last = performance.now();
      await write(name, chunk as Uint8Array);
      activity.last = performance.now();
    }
  } catch (error) {
    // We destroyed the pipe ourselves: a background child still held it open.
    if ((error as NodeJS.ErrnoException).code !== "ERR_STREAM_PREMATURE_CLOSE") throw error;
  }
}
