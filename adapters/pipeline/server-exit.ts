/**
 * Last-resort cleanup for a server that exits without closing its pipeline sessions (an
 * uncaught error, process.exit): kill the children, remove the bundles. Only synchronous
 * work runs in an exit handler. A SIGKILLed server gets no such chance.
 */
const tasks = new Set<() => void>();

/** Runs `task` if the process exits before the returned function is called. */
export function atServerExit(task: () => void): () => void {
  if (!process.listeners("exit").includes(runAll)) process.on("exit", runAll);
  tasks.add(task);
  return () => void tasks.delete(task);
}

function runAll(): void {
  for (const task of tasks) {
    try {
      task();
    } catch {
      // Exiting anyway: one failed cleanup must not stop the others.
    }
  }
}
