import { spawn } from "node:child_process";
import { once } from "node:events";
import { constants } from "node:os";
import { posix } from "node:path";
import { performance } from "node:perf_hooks";
import type { Readable } from "node:stream";
import { ContainerError } from "../../core/errors.ts";
import type { ExecRequest, ExecResult, OutputSink, StreamName } from "../../core/ports/exec.ts";
import type { DockerCli } from "./docker-cli.ts";
import { CLIENT_GRACE_MS, envScript, KILLER, pidFileOf, wrapperWithEnv } from "./docker-exec-script.ts";
import { unmuxed } from "./docker-stream.ts";
import { serialized, type Write } from "./serialized-write.ts";

export interface ExecTarget {
  cli: DockerCli;
  containerId: string;
  /** exec-mux is mounted in the container: commands run under it. */
  muxed?: boolean;
}

export interface ExecOutcome extends ExecResult {
  /** It exited non-zero on its own: the docker client may be why (container or daemon gone), worth a look. */
  suspicious: boolean;
}

/** One command through a `docker exec` process, streamed to the sink, killed inside the container on cancel or timeout. */
export async function runDockerExec(target: ExecTarget, execId: string, request: ExecRequest, sink: OutputSink): Promise<ExecOutcome> {
  const started = performance.now();
  const pidFile = pidFileOf(execId);
  const args = ["exec", "--interactive", "-w", posix.join("/work", request.cwd), target.containerId];
  // The client gets its fixed environment; the job's goes in on stdin (wrapperWithEnv).
  const child = spawn(target.cli.bin, [...args, "sh", "-c", wrapperWithEnv(target.muxed === true), "quire-exec", pidFile, ...request.argv], {
    env: target.cli.env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdin.on("error", () => undefined); // a client that died early says so by its exit code
  child.stdin.end(envScript(request.env));
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
    const writes = unmuxed(serialized(sink), target.muxed === true);
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

async function killInside(target: ExecTarget, pidFile: string): Promise<void> {
  // A failure here means the container is already gone, which kills the command too.
  await target.cli.run(["exec", target.containerId, "sh", "-c", KILLER, "quire-kill", pidFile], { timeoutMs: 10_000 });
}

async function pump(stream: Readable | null, name: StreamName, write: Write): Promise<void> {
  if (!stream) return;
  // Async iteration pauses the pipe while the sink writes: backpressure reaches docker.
  for await (const chunk of stream) await write(name, chunk as Uint8Array);
}
