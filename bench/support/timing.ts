import { spawn, type SpawnOptions } from "node:child_process";
import { once } from "node:events";
import { performance } from "node:perf_hooks";

/** Milliseconds `fn` took, on the monotonic clock. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/**
 * Spawns a command and resolves when its pipes have closed, failing on a non-zero
 * exit: a baseline that silently failed would flatter quire.
 */
export async function spawnAndWait(argv: readonly string[], options: SpawnOptions = {}): Promise<void> {
  const [program, ...args] = argv;
  if (program === undefined) throw new Error("empty command");
  const child = spawn(program, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
  child.stdout?.resume();
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const [code, signal] = (await once(child, "close")) as [number | null, NodeJS.Signals | null];
  if (code !== 0) throw new Error(`${argv.join(" ")} ended with ${code ?? signal}: ${stderr.trim()}`);
}
