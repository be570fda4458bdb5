/**
 * The spawn helper: the first process of a host run's sandbox, long-lived, small. The server
 * asks it over IPC to run each `sh` command; it starts them from inside the sandbox, mostly
 * through long-lived shells of its own (shell-pool.ts: a vfork of a small shell costs far
 * less than a fork of Node), so a command's cost does not grow with the server's memory, and
 * every process a job starts is a descendant of it, in the run's own pid namespace. Built on its own to
 * dist/runner/host-helper.js; run by plain Node, with nothing but node:* to import.
 *
 * Started as root (when the server is root), it drops to the job user before it listens:
 * `--uid N --gid N`. The change of uid also makes it undumpable, so the job's processes,
 * which run as that user, cannot ptrace it or take its IPC channel.
 */
import type { OutputSink } from "../../core/ports/exec.ts";
import { type FromHelper, parseToHelper, type ToHelper } from "./host-helper-protocol.ts";
import { ShellPool } from "./shell-pool.ts";

interface Running {
  cancel: AbortController;
  /** Sizes of the chunks the server has not acknowledged yet, oldest first. */
  unacked: number[];
  inFlight: number;
  /** The command's reader, paused until acknowledgements bring the output in flight under the window. */
  resume: (() => void) | undefined;
}

/**
 * Output sent but not yet acknowledged before the helper stops reading the command's pipes:
 * a window, not one chunk at a time, so a fast command is not held to one round trip per
 * 64 KiB (on a busy machine each round trip waits for both processes to be scheduled).
 * It bounds what the server may have queued for the sink, so backpressure still reaches the command.
 */
const WINDOW_BYTES = 1024 * 1024;

const running = new Map<number, Running>();
const pool = new ShellPool();

function send(message: FromHelper): void {
  // A closed channel means the server is gone or closed the sandbox: nothing to serve any more.
  if (!process.connected) process.exit(0);
  process.send?.(message);
}

function dropPrivileges(args: string[]): void {
  const flag = (name: string): number | undefined => {
    const at = args.indexOf(name);
    return at === -1 ? undefined : Number(args[at + 1]);
  };
  const uid = flag("--uid");
  const gid = flag("--gid");
  if (uid === undefined || gid === undefined) return;
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid <= 0 || gid <= 0) throw new Error(`bad --uid/--gid: ${uid}/${gid}`);
  // Groups first: setuid takes away the right to change them.
  process.setgroups?.([]);
  process.setgid?.(gid);
  process.setuid?.(uid);
  if (process.getuid?.() !== uid || process.geteuid?.() !== uid) throw new Error("could not drop to the job user");
}

async function exec(request: Extract<ToHelper, { type: "exec" }>): Promise<void> {
  if (running.has(request.id)) return;
  const entry: Running = { cancel: new AbortController(), unacked: [], inFlight: 0, resume: undefined };
  running.set(request.id, entry);
  const sink: OutputSink = {
    write: (stream, chunk) => {
      entry.unacked.push(chunk.byteLength);
      entry.inFlight += chunk.byteLength;
      send({ type: "output", id: request.id, stream, chunk });
      if (entry.inFlight <= WINDOW_BYTES) return Promise.resolve();
      return new Promise<void>((resolve) => (entry.resume = resolve));
    },
  };
  try {
    const outcome = await pool.run(
      {
        argv: request.argv,
        cwd: request.cwd,
        env: request.env,
        timeoutMs: request.timeoutMs,
        signal: entry.cancel.signal,
        graceMs: request.graceMs,
        drainIdleMs: request.drainIdleMs,
      },
      sink,
    );
    send({ type: "done", id: request.id, exit: outcome.exit, reason: outcome.reason, duration_ms: outcome.duration_ms });
  } catch (error) {
    send({ type: "failed", id: request.id, message: error instanceof Error ? error.message : String(error) });
  } finally {
    running.delete(request.id);
  }
}

function onMessage(value: unknown): void {
  const message = parseToHelper(value);
  if (message === undefined) return;
  if (message.type === "exec") void exec(message);
  else if (message.type === "cancel") running.get(message.id)?.cancel.abort();
  else acknowledged(running.get(message.id));
}

function acknowledged(entry: Running | undefined): void {
  if (entry === undefined) return;
  entry.inFlight -= entry.unacked.shift() ?? 0;
  if (entry.inFlight <= WINDOW_BYTES && entry.resume) {
    const resume = entry.resume;
    entry.resume = undefined;
    resume();
  }
}

dropPrivileges(process.argv.slice(2));
process.on("message", onMessage);
process.on("disconnect", () => process.exit(0));
pool.warm();
send({ type: "ready" });
