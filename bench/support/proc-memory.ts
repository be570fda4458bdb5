import { readFileSync, writeFileSync } from "node:fs";

/** A `kB` field of /proc/<pid>/status (VmRSS, VmHWM), in bytes. */
export function statusBytes(pid: number, field: "VmRSS" | "VmHWM"): number {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(text)?.[1];
  if (kb === undefined) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number(kb) * 1024;
}

/** Resets VmHWM to the current RSS (clear_refs 5), so the peak of one phase can be read alone. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false; // not ours to reset (another user, no procfs): the polled peak still counts
  }
}

/**
 * The peak RSS of a process over one phase: VmHWM, reset when the phase starts, and
 * VmRSS polled meanwhile, which is all there is when the reset is not allowed.
 */
export function watchPeak(pid: number, everyMs = 20): { stop(): number } {
  const hwm = resetPeak(pid);
  let max = statusBytes(pid, "VmRSS");
  const timer = setInterval(() => {
    try {
      max = Math.max(max, statusBytes(pid, "VmRSS"));
    } catch {
      clearInterval(timer); // the process is gone; stop() reports what was seen
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      try {
        return hwm ? Math.max(max, statusBytes(pid, "VmHWM")) : max;
      } catch {
        return max;
      }
    },
  };
}

export const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
