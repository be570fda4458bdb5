/**
 * The spawn helper: the first process of a host run's sandbox, long-lived, small. The server
 * asks it over IPC to run each `sh` command; it spawns them from inside the sandbox, so a
 * command's cost does not grow with the server's memory, and every process a job starts is
 * a descendant of it, in the run's own pid namespace. Built on its own to
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
  /** Resolvers of output the server has not acknowledged yet, oldest first. */
  acks: (() => void)[];
}

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
  const entry: Running = { cancel: new AbortController(), acks: [] };
  running.set(request.id, entry);
  const sink: OutputSink = {
    write: (stream, chunk) =>
      new Promise<void>((resolve) => {
        entry.acks.push(resolve);
        send({ type: "output", id: request.id, stream, chunk });
      }),
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
  else running.get(message.id)?.acks.shift()?.();
}

dropPrivileges(process.argv.slice(2));
process.on("message", onMessage);
process.on("disconnect", () => process.exit(0));
pool.warm();
send({ type: "ready" });
