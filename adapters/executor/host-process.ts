import { spawn } from "node:child_process";
import { constants } from "node:os";
import { performance } from "node:perf_hooks";
import type { ExecResult, OutputSink } from "../../core/ports/exec.ts";
import { pump, settle } from "./output-pump.ts";
import { forkMark, killTree, treeMembers } from "./process-tree.ts";
import { serialized } from "./serialized-write.ts";

/** Exit codes a shell uses for these, so pipelines can tell them apart from the command's own. */
export const EXIT_NOT_FOUND = 127;
export const EXIT_CANNOT_RUN = 126;
/** Reported for a command cancelled before it started, as if SIGKILLed. */
export const EXIT_KILLED = 128 + constants.signals.SIGKILL;

export interface HostCommand {
  argv: string[];
  /** Absolute, already checked to be inside the workspace. */
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number | null;
  signal: AbortSignal;
  /** Between SIGTERM and SIGKILL when the tree is killed. */
  graceMs: number;
  /** After the command exits, how long its pipes may stay silent before we stop reading. */
  drainIdleMs: number;
  /** Told the group id as soon as the command started. */
  onSpawn?: (leader: number) => void;
}

export interface HostOutcome extends ExecResult {
  /** Process group (and session) id, if the command started. */
  leader?: number;
  /** forkMark() just before the spawn: lets later scans of the tree skip older processes. */
  forksBefore?: number;
}

const encoder = new TextEncoder();

/**
 * Runs one command as the leader of its own process group and session, so a kill
 * reaches every process it started. Output goes to the sink one chunk at a time and
 * the pipes are not read further until the sink took the chunk (backpressure).
 */
export async function runHostCommand(cmd: HostCommand, sink: OutputSink): Promise<HostOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const [program, ...args] = cmd.argv;
  const writes = serialized(sink);
  if (program === undefined || program.length === 0) {
    await writes("stderr", encoder.encode("quire: empty command\n"));
    return { exit: EXIT_NOT_FOUND, duration_ms: elapsed(), reason: "exited" };
  }
  if (cmd.signal.aborted) return { exit: EXIT_KILLED, duration_ms: 0, reason: "cancelled" };

  const forksBefore = forkMark();
  const child = spawn(program, args, { cwd: cmd.cwd, env: cmd.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let spawnError: NodeJS.ErrnoException | undefined;
  child.on("error", (error) => (spawnError ??= error));
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on("exit", (code, signal) => resolve([code, signal])));
  const closed = new Promise<void>((resolve) => child.on("close", () => resolve()));
  const leader = child.pid;
  if (leader === undefined) {
    await closed;
    const notFound = spawnError?.code === "ENOENT";
    const why = notFound ? "command not found" : (spawnError?.message ?? "cannot start");
    await writes("stderr", encoder.encode(`quire: ${program}: ${why}\n`));
    return { exit: notFound ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN, duration_ms: elapsed(), reason: "exited" };
  }
  cmd.onSpawn?.(leader);

  let reason: ExecResult["reason"] = "exited";
  let killing: Promise<void> | undefined;
  const stop = (why: "timed-out" | "cancelled") => {
    if (killing) return;
    reason = why;
    killing = killTree(leader, cmd.graceMs, forksBefore);
  };
  const onAbort = () => stop("cancelled");
  cmd.signal.addEventListener("abort", onAbort, { once: true });
  const timer = cmd.timeoutMs === null ? undefined : setTimeout(() => stop("timed-out"), cmd.timeoutMs);

  const activity = { last: performance.now() };
  let sinkError: unknown;
  const pumps = Promise.all([
    pump(child.stdout, "stdout", writes, activity),
    pump(child.stderr, "stderr", writes, activity),
  ]).then(
    () => undefined,
    (error: unknown) => {
      // A sink that cannot take output must not leave the command blocked on a full pipe.
      sinkError = error;
      stop("cancelled");
      child.stdout.destroy();
      child.stderr.destroy();
    },
  );
  try {
    const [code, signal] = await exited;
    await killing;
    if (!(await settle(pumps, activity, cmd.drainIdleMs))) {
      child.stdout.destroy();
      child.stderr.destroy();
      await pumps;
    }
    if (sinkError !== undefined) {
      await killTree(leader, cmd.graceMs, forksBefore);
      throw sinkError;
    }
    const exit = code ?? 128 + (signal === null ? 0 : constants.signals[signal]);
    return { exit, duration_ms: elapsed(), reason, leader, ...(forksBefore === undefined ? {} : { forksBefore }) };
  } finally {
    if (timer) clearTimeout(timer);
    cmd.signal.removeEventListener("abort", onAbort);
  }
}

/** Whether anything of the tree outlived its leader (`cmd &`). */
export async function hasLeftovers(leader: number, forksBefore?: number): Promise<boolean> {
  return (await treeMembers(leader, forksBefore)).length > 0;
}
