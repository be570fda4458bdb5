import { request as httpRequest, type IncomingMessage } from "node:http";
import { posix } from "node:path";
import { performance } from "node:perf_hooks";
import type { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { ContainerError } from "../../core/errors.ts";
import type { ExecRequest, ExecResult, OutputSink } from "../../core/ports/exec.ts";
import { apiMessage, type DockerEngineApi } from "./docker-engine-api.ts";
import type { ExecOutcome } from "./docker-exec-process.ts";
import { CLIENT_GRACE_MS, KILLER, pidFileOf, wrapper } from "./docker-exec-script.ts";
import { demuxDockerStream, unmuxed } from "./docker-stream.ts";
import { serialized } from "./serialized-write.ts";

/**
 * One command through the engine API: no docker process at all, and the job's environment
 * travels in the request body over the socket, never in an argv or a client's environment.
 * Streamed to the sink with backpressure, killed inside the container on cancel or timeout.
 */
export async function runApiExec(
  api: DockerEngineApi,
  containerId: string,
  execId: string,
  request: ExecRequest,
  sink: OutputSink,
  muxed = false,
): Promise<ExecOutcome> {
  const started = performance.now();
  const pidFile = pidFileOf(execId);
  const exec = await createExec(api, containerId, {
    Env: Object.entries(request.env).map(([name, value]) => `${name}=${value}`),
    WorkingDir: posix.join("/work", request.cwd),
    Cmd: ["sh", "-c", wrapper(muxed), "quire-exec", pidFile, ...request.argv],
  });
  // The container is not there to run it: the session looks into why.
  if (exec === undefined) return { exit: 126, duration_ms: Math.round(performance.now() - started), reason: "exited", suspicious: true };

  let reason: ExecResult["reason"] = "exited";
  let killing: Promise<void> | undefined;
  let output: Readable | undefined;
  const stop = (why: "timed-out" | "cancelled") => {
    if (killing) return;
    reason = why;
    killing = killInside(api, containerId, pidFile).finally(() => {
      setTimeout(() => output?.destroy(), CLIENT_GRACE_MS).unref();
    });
  };
  const onAbort = () => stop("cancelled");
  if (request.signal.aborted) onAbort();
  else request.signal.addEventListener("abort", onAbort, { once: true });
  const timer = request.timeoutMs === null ? undefined : setTimeout(() => stop("timed-out"), request.timeoutMs);
  try {
    output = await startExec(api, exec);
    try {
      await demuxDockerStream(output, unmuxed(serialized(sink), muxed));
    } catch (error) {
      if (!output.destroyed) {
        // A sink that cannot take output must not leave the command running.
        stop("cancelled");
        output.destroy();
        throw error;
      }
    } finally {
      // Once the command is over its pid may be reused by another command: no kill after this point.
      if (timer) clearTimeout(timer);
      request.signal.removeEventListener("abort", onAbort);
    }
    await killing;
    const exit = await exitCodeOf(api, exec);
    return {
      exit: exit ?? 137,
      duration_ms: Math.round(performance.now() - started),
      reason,
      suspicious: reason === "exited" && exit !== 0,
    };
  } finally {
    if (timer) clearTimeout(timer);
    request.signal.removeEventListener("abort", onAbort);
  }
}

interface ExecSpec {
  Env?: string[];
  WorkingDir?: string;
  Cmd: string[];
}

/** The exec's id, or undefined when the container cannot take one (gone, stopped). */
async function createExec(api: DockerEngineApi, containerId: string, spec: ExecSpec): Promise<string | undefined> {
  const created = await api.call("POST", `/containers/${encodeURIComponent(containerId)}/exec`, {
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    ...spec,
  });
  if (!created.ok) throw new ContainerError("docker_unavailable", created.error.message);
  if (created.value.status === 404 || created.value.status === 409) return undefined;
  if (created.value.status !== 201) throw new ContainerError("exec_failed", `docker exec: ${apiMessage(created.value)}`);
  return (JSON.parse(created.value.body) as { Id: string }).Id;
}

/** Starts the exec attached; its output comes back on the hijacked connection. */
function startExec(api: DockerEngineApi, execId: string): Promise<Readable> {
  const body = JSON.stringify({ Detach: false, Tty: false });
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      socketPath: api.socketPath,
      path: `/exec/${encodeURIComponent(execId)}/start`,
      method: "POST",
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), connection: "Upgrade", upgrade: "tcp" },
    });
    req.on("upgrade", (_res: IncomingMessage, socket, head: Buffer) => {
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    // Engines that do not switch protocols send the same stream as the response body.
    req.on("response", (res) => {
      if (res.statusCode === 200) return resolve(res);
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => reject(new ContainerError("exec_failed", `docker exec start: ${apiMessage({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() })}`)));
    });
    req.on("error", (cause) => reject(new ContainerError("docker_unavailable", `docker engine: ${cause.message}`, { cause })));
    req.end(body);
  });
}

/** The exit code once the engine has recorded it; null when the exec is gone with its container. */
async function exitCodeOf(api: DockerEngineApi, execId: string): Promise<number | null> {
  for (let look = 0; look < 50; look++) {
    const inspected = await api.call("GET", `/exec/${encodeURIComponent(execId)}/json`, undefined, 10_000);
    if (!inspected.ok || inspected.value.status !== 200) return null;
    const state = JSON.parse(inspected.value.body) as { Running?: boolean; ExitCode?: number | null };
    if (!state.Running) return typeof state.ExitCode === "number" ? state.ExitCode : null;
    await sleep(10);
  }
  return null;
}

async function killInside(api: DockerEngineApi, containerId: string, pidFile: string): Promise<void> {
  // A failure here means the container is already gone, which kills the command too.
  try {
    const exec = await createExec(api, containerId, { Cmd: ["sh", "-c", KILLER, "quire-kill", pidFile] });
    if (exec === undefined) return;
    const output = await startExec(api, exec);
    output.resume();
    await new Promise((resolve) => output.once("close", resolve).once("end", resolve));
  } catch {
    // the container is gone, or the engine: either way the command is not running there
  }
}
