/**
 * `--max-old-space-size` caps only the V8 heap; Buffers and ArrayBuffers live outside it. So
 * the server also polls the child's resident memory (Linux /proc) and kills it above a cap.
 */
import { readFile } from "node:fs/promises";

export interface MemoryWatch {
  stop(): void;
}

export function watchMemory(pid: number, limitMb: number, onExceeded: (rssMb: number) => void, intervalMs = 100): MemoryWatch {
  let stopped = false;
  const tick = async (): Promise<void> => {
    const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => undefined);
    if (stopped) return;
    // No /proc (not Linux) or the process is gone: nothing to watch.
    if (status === undefined) return stop();
    const kb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? 0);
    const rssMb = Math.round(kb / 1024);
    if (rssMb > limitMb) {
      stop();
      onExceeded(rssMb);
    }
  };
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  function stop(): void {
    stopped = true;
    clearInterval(timer);
  }
  return { stop };
}
