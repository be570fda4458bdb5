/**
 * `--max-old-space-size` caps only the V8 heap; Buffers and ArrayBuffers live outside it. So
 * the server also polls the child's resident memory (Linux /proc) and kills it above a cap.
 * The pid watched may be bubblewrap's, with Node two levels down in its pid namespace: the
 * whole tree under it counts.
 */
import { readdirSync, readFileSync } from "node:fs";

export interface MemoryWatch {
  stop(): void;
}

export function watchMemory(pid: number, limitMb: number, onExceeded: (rssMb: number) => void, intervalMs = 100): MemoryWatch {
  let stopped = false;
  const tick = (): void => {
    const kb = treeRssKb(pid);
    if (stopped) return;
    // No /proc (not Linux) or the process is gone: nothing to watch.
    if (kb === undefined) return stop();
    const rssMb = Math.round(kb / 1024);
    if (rssMb > limitMb) {
      stop();
      onExceeded(rssMb);
    }
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  function stop(): void {
    stopped = true;
    clearInterval(timer);
  }
  return { stop };
}

/**
 * Resident kB of a process and its descendants; undefined when the process itself is gone.
 * Read synchronously: /proc answers from memory, and a thread-pool round trip for each of
 * the tree's files, ten times a second, cost the server more than the reads themselves.
 */
function treeRssKb(pid: number): number | undefined {
  const status = readProc(`/proc/${pid}/status`);
  if (status === undefined) return undefined;
  let kb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? 0);
  for (const child of childrenOf(pid)) kb += treeRssKb(child) ?? 0;
  return kb;
}

function childrenOf(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return tasks.flatMap((task) => (readProc(`/proc/${pid}/task/${task}/children`) ?? "").split(" ").filter((entry) => entry !== "").map(Number));
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
