import { spawn } from "node:child_process";
import { once } from "node:events";
import { constants } from "node:os";
import { posix } from "node:path";
import { performance } from "node:perf_hooks";
import type { Readable } from "node:stream";
import { ContainerError } from "../../core/errors.ts";
import type { ExecRequest, ExecResult, OutputSink, StreamName } from "../../core/exec-ports.ts";
import type { DockerCli } from "./docker-cli.ts";
import { serialized, type Write } from "./serialized-write.ts";

/**
 * Where each command leaves its process group id: the shm tmpfs docker mounts in every
 * container (mode 1777, so any image user can write). A tmpfs of our own would cost some
 * 80 ms more on every teardown.
 */
const PID_DIR = "/dev/shm";

/**
 * Runs inside the container in front of the command. docker exec (runc) starts it as a
 * session and group leader, so `$$` names the command's whole process group. It writes
 * that id, then checks for a cancel marker: a cancel that came before the id was written
 * is seen here, one that came after finds the id, so no kill is ever lost.
 */
const WRAPPER = 'f="$1"; shift; echo $$ >"$f"; [ -e "$f.cancel" ] && exit 137; exec "$@"';

/**
 * Kills one command's process group and anything else left in its session (children
 * that made their own group), then sweeps once more for processes forked meanwhile.
 */
const KILLER = [
  'f="$1"; : >"$f.cancel"; p=$(cat "$f" 2>/dev/null) || exit 0',
  "sweep() { kill -KILL -$p 2>/dev/null; for s in /proc/[0-9]*/stat; do",
  '  l=$(cat "$s" 2>/dev/null) || continue; set -- ${l##*) }',
  '  if [ "$3" = "$p" ] || [ "$4" = "$p" ]; then q="${s#/proc/}"; kill -KILL "${q%/stat}" 2>/dev/null; fi',
  "done; }",
  "sweep; sweep; exit 0",
].join("\n");

/** How long the docker exec client may linger after its command was killed. */
const CLIENT_GRACE_MS = 3_000;

export interface ExecTarget {
  cli: DockerCli;
  containerId: string;
}

export interface ExecOutcome extends ExecResult {
  /** It exited non-zero on its own: the docker client may be why (container or daemon gone), worth a look. */
  suspicious: boolean;
}

/** One command through `docker exec`, streamed to the sink, killed inside the container on cancel or timeout. */
export async function runDockerExec(target: ExecTarget, execId: string, request: ExecRequest, sink: OutputSink): Promise<ExecOutcome> {
  const started = performance.now();
  const pidFile = `${PID_DIR}/.quire-${execId}`;
  const { args, env } = execArgs(target.containerId, request);
  const child = spawn(target.cli.bin, [...args, "sh", "-c", WRAPPER, "quire-exec", pidFile, ...request.argv], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = once(child, "close") as Promise<[number | null, NodeJS.Signals | null]>;

  let reason: ExecResult["reason"] = "exited";
  let killing: Promise<void> | undefined;
  const stop = (why: "timed-out" | "cancelled") => {
    if (killing) return;
    reason = why;
    killing = killInside(target, pidFile).finally(() => {
      setTimeout(() => child.kill("SIGKILL"), CLIENT_GRACE_MS).unref();
    });
  };
  const onAbort = () => stop("cancelled");
  if (request.signal.aborted) onAbort();
  else request.signal.addEventListener("abort", onAbort, { once: true });
  const timer = request.timeoutMs === null ? undefined : setTimeout(() => stop("timed-out"), request.timeoutMs);
  // Once the command is over its pid may be reused by another command: no kill after this point.
  const disarm = () => {
    if (timer) clearTimeout(timer);
    request.signal.removeEventListener("abort", onAbort);
  };
  child.once("close", disarm);

  try {
    const writes = serialized(sink);
    const pumped = Promise.all([pump(child.stdout, "stdout", writes), pump(child.stderr, "stderr", writes)]).catch(
      (error: unknown) => {
        // A sink that cannot take output must not leave the command blocked on a full pipe.
        stop("cancelled");
        child.stdout?.destroy();
        child.stderr?.destroy();
        throw error;
      },
    );
    pumped.catch(() => undefined); // awaited below, after the client has exited
    let code: number | null;
    let signal: NodeJS.Signals | null;
    try {
      [code, signal] = await exited;
    } catch (error) {
      throw new ContainerError("docker_unavailable", `could not run ${target.cli.bin}: ${String(error)}`, { cause: error });
    }
    await pumped;
    await killing;
    const exit = code ?? 128 + (signal === null ? 0 : constants.signals[signal]);
    return {
      exit,
      duration_ms: Math.round(performance.now() - started),
      reason,
      suspicious: reason === "exited" && exit !== 0,
    };
  } finally {
    disarm();
  }
}

function execArgs(containerId: string, request: ExecRequest): { args: string[]; env: Record<string, string> } {
  const args = ["exec", "-w", posix.join("/work", request.cwd)];
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.env)) {
    // `-e NAME` takes the value from the client's environment, which keeps secrets out of
    // argv (ps). DOCKER_* names would steer the client itself, so they go in argv instead.
    if (name.startsWith("DOCKER_")) {
      args.push("-e", `${name}=${value}`);
    } else {
      args.push("-e", name);
      env[name] = value;
    }
  }
  args.push(containerId);
  return { args, env };
}

async function killInside(target: ExecTarget, pidFile: string): Promise<void> {
  // A failure here means the container is already gone, which kills the command too.
  await target.cli.run(["exec", target.containerId, "sh", "-c", KILLER, "quire-kill", pidFile], { timeoutMs: 10_000 });
}

async function pump(stream: Readable | null, name: StreamName, write: Write): Promise<void> {
  if (!stream) return;
  // Async iteration pauses the pipe while the sink writes: backpressure reaches docker.
  for await (const chunk of stream) await write(name, chunk as Uint8Array);
}
