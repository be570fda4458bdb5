/**
 * `--max-old-space-size` caps only the V8 heap; Buffers and ArrayBuffers live outside it. So
 * the server also polls the child's resident memory (Linux /proc) and kills it above a cap.
 * The pid watched may be bubblewrap's, with Node two levels down in its pid namespace: the
 * whole tree under it counts.
 */
import { readdir, readFile } from "node:fs/promises";

export interface MemoryWatch {
  stop(): void;
}

export function watchMemory(pid: number, limitMb: number, onExceeded: (rssMb: number) => void, intervalMs = 100): MemoryWatch {
  let stopped = false;
  const tick = async (): Promise<void> => {
    const kb = await treeRssKb(pid);
    if (stopped) return;
    // No /proc (not Linux) or the process is gone: nothing to watch.
    if (kb === undefined) return stop();
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

/** Resident kB of a process and its descendants; undefined when the process itself is gone. */
async function treeRssKb(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => undefined);
  if (status === undefined) return undefined;
  let kb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? 0);
  for (const child of await childrenOf(pid)) kb += (await treeRssKb(child)) ?? 0;
  return kb;
}

async function childrenOf(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const lists = await Promise.all(tasks.map((task) => readFile(`/proc/${pid}/task/${task}/children`, "utf8").catch(() => "")));
  return lists.flatMap((list) => list.split(" ").filter((entry) => entry !== "").map(Number));
}
