/**
 * A spawner slot: one long-lived /bin/sh inside the run's sandbox, in a session of its own,
 * that runs one command at a time from a line the helper writes to its stdin. A small shell
 * starts a program with vfork; Node's spawn forks the whole helper, which costs several
 * times more (see docs/architecture.md, "Host exec cost"). The command's stdout and stderr
 * go to two FIFOs the helper reads, so each command still has pipes of its own.
 *
 * Everything in the sandbox runs as the job user, the shell and its FIFOs included; a job
 * that tampers with them only spoils its own run, and the helper treats what comes back as
 * untrusted. A slot whose command left processes behind (`cmd &`) is never used again: its
 * session is theirs, and a later timeout there would kill them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, constants as fs, fstatSync, mkdtempSync, openSync, readdirSync, readFileSync } from "node:fs";
import { Socket } from "node:net";
import { constants } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { ExecResult, OutputSink } from "../../core/ports/exec.ts";
import { EXIT_CANNOT_RUN, type HostOutcome } from "./host-process.ts";
import { pump, settle } from "./output-pump.ts";
import { killTree } from "./process-tree.ts";
import { serialized } from "./serialized-write.ts";
import { quote } from "./shell-line.ts";

export interface SlotCommand {
  /** From planLine: the line to run. */
  line: string;
  cwd: string;
  timeoutMs: number | null;
  signal: AbortSignal;
  graceMs: number;
  drainIdleMs: number;
}

/** `pids`: how many pids the sandbox handed out while the command ran, when the line could tell. */
type Status = { kind: "exit"; code: number; pids?: number } | { kind: "cwd" } | { kind: "gone"; signal: NodeJS.Signals | null };

const SHELL = "/bin/sh";
const STATUS = /^s (\d{1,3}|cwd)(?: (\d*) (\d*))?$/;

export class ShellSlot {
  /** Never to be given another command. */
  retired = false;
  readonly fifos: { out: string; err: string };
  readonly #child: ChildProcess;
  #lines = "";
  #waiting: ((status: Status) => void) | undefined;
  #gone: Status | undefined;

  private constructor(child: ChildProcess, dir: string) {
    this.#child = child;
    this.fifos = { out: join(dir, "out"), err: join(dir, "err") };
    child.stdio[3]?.on("data", (chunk: Buffer) => this.#onStatus(chunk.toString("latin1")));
    child.on("exit", (_code, signal) => {
      this.retired = true;
      this.#gone = { kind: "gone", signal };
      this.#settle(this.#gone);
    });
  }

  /** A ready slot, or undefined where there is no shell or no mkfifo (the helper then spawns every command). */
  static async open(): Promise<ShellSlot | undefined> {
    let child: ChildProcess;
    let dir: string;
    try {
      dir = mkdtempSync("/tmp/quire-slot-");
      // No env at all: each line brings the command's own, and nothing of the shell's leaks into it.
      child = spawn(SHELL, [], { cwd: "/", env: {}, detached: true, stdio: ["pipe", "ignore", "ignore", "pipe"] });
    } catch {
      return undefined;
    }
    const slot = new ShellSlot(child, dir);
    child.on("error", () => undefined);
    child.stdin?.on("error", () => undefined);
    const made = slot.#next();
    child.stdin?.write(`PATH=/usr/bin:/bin mkfifo -m 600 ${quote(slot.fifos.out)} ${quote(slot.fifos.err)} 2>/dev/null; echo "s $?" >&3\n`);
    const status = await made;
    if (status.kind === "exit" && status.code === 0) return slot;
    slot.close();
    return undefined;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Runs one command; the caller made sure the slot is idle and not retired. */
  async run(cmd: SlotCommand, sink: OutputSink): Promise<HostOutcome> {
    const started = performance.now();
    const leader = this.#child.pid ?? 0;
    const writes = serialized(sink);
    // Read ends first, then a write end of our own: without a writer a FIFO reads as ended.
    const fds: number[] = [];
    let out: Socket;
    let err: Socket;
    try {
      fds.push(openFifo(this.fifos.out, fs.O_RDONLY), openFifo(this.fifos.err, fs.O_RDONLY));
      fds.push(openFifo(this.fifos.out, fs.O_WRONLY), openFifo(this.fifos.err, fs.O_WRONLY));
      out = new Socket({ fd: fds[0], readable: true, writable: false });
      err = new Socket({ fd: fds[1], readable: true, writable: false });
    } catch (error) {
      this.retired = true;
      for (const fd of fds) closeSync(fd);
      throw error instanceof SlotUnusable ? error : new SlotUnusable("cannot read the FIFOs", { cause: error });
    }
    const held = fds.slice(2);
    const release = () => held.splice(0).forEach((fd) => closeSync(fd));

    let reason: ExecResult["reason"] = "exited";
    let killing: Promise<void> | undefined;
    const stop = (why: "timed-out" | "cancelled") => {
      if (killing) return;
      reason = why;
      this.retired = true;
      killing = killTree(leader, cmd.graceMs);
    };
    const onAbort = () => stop("cancelled");
    cmd.signal.addEventListener("abort", onAbort, { once: true });
    if (cmd.signal.aborted) onAbort();
    const timer = cmd.timeoutMs === null ? undefined : setTimeout(() => stop("timed-out"), cmd.timeoutMs);
    const activity = { last: performance.now() };
    let sinkError: unknown;
    const pumps = Promise.all([pump(out, "stdout", writes, activity), pump(err, "stderr", writes, activity)]).then(
      () => undefined,
      (error: unknown) => {
        sinkError = error;
        stop("cancelled");
        out.destroy();
        err.destroy();
      },
    );
    try {
      const finished = this.#next();
      this.#child.stdin?.write(cmd.line);
      const status = await finished;
      release();
      await killing;
      if (!(await settle(pumps, activity, cmd.drainIdleMs))) {
        // Something the command left behind still holds a FIFO: it must not write into the next command's output.
        this.retired = true;
        out.destroy();
        err.destroy();
        await pumps;
      }
      if (sinkError !== undefined) {
        await killTree(leader, cmd.graceMs);
        throw sinkError;
      }
      // One pid at most: the command itself, which the shell has waited for. Anything it left
      // running took a pid of its own; a pid taken by another slot's command is not in this session.
      const quiet = status.kind === "exit" && status.pids !== undefined && status.pids >= 0 && status.pids <= 1;
      if (!this.retired && !quiet && hasCompany(leader)) this.retired = true;
      if (status.kind === "cwd") {
        await writes("stderr", new TextEncoder().encode(`quire: cwd ${JSON.stringify(cmd.cwd)} is gone\n`));
        return { exit: EXIT_CANNOT_RUN, duration_ms: Math.round(performance.now() - started), reason, leader };
      }
      const exit = status.kind === "exit" ? status.code : 128 + (status.signal === null ? 0 : constants.signals[status.signal]);
      return { exit: Math.min(exit, 255), duration_ms: Math.round(performance.now() - started), reason, leader };
    } finally {
      release();
      if (timer) clearTimeout(timer);
      cmd.signal.removeEventListener("abort", onAbort);
    }
  }

  /** Lets the shell end at its next read; what a command left running stays, until the sandbox ends. */
  close(): void {
    this.retired = true;
    this.#child.stdin?.end();
  }

  #next(): Promise<Status> {
    if (this.#gone) return Promise.resolve(this.#gone);
    return new Promise((resolve) => (this.#waiting = resolve));
  }

  #settle(status: Status): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.(status);
  }

  #onStatus(text: string): void {
    this.#lines = (this.#lines + text).slice(-256);
    for (let end = this.#lines.indexOf("\n"); end !== -1; end = this.#lines.indexOf("\n")) {
      const line = this.#lines.slice(0, end);
      this.#lines = this.#lines.slice(end + 1);
      const match = STATUS.exec(line);
      // Only the shell writes fd 3 (commands run without it), but a job could reach it: nonsense retires the slot.
      if (match?.[1] === undefined) {
        this.retired = true;
        continue;
      }
      const [before, after] = [match[2], match[3]];
      const pids = before && after ? Number(after) - Number(before) : undefined;
      this.#settle(match[1] === "cwd" ? { kind: "cwd" } : { kind: "exit", code: Number(match[1]), ...(pids === undefined ? {} : { pids }) });
    }
  }
}

/** The FIFOs were tampered with before the command was sent: nothing ran, spawn may run it instead. */
export class SlotUnusable extends Error {
  override name = "SlotUnusable";
}

/** Opens one of the slot's FIFOs, refusing anything a job may have put in its place. */
function openFifo(path: string, flags: number): number {
  let fd: number;
  try {
    fd = openSync(path, flags | fs.O_NONBLOCK | fs.O_NOFOLLOW);
  } catch (cause) {
    throw new SlotUnusable(`cannot open ${path}`, { cause });
  }
  if (!fstatSync(fd).isFIFO()) {
    closeSync(fd);
    throw new SlotUnusable(`${path} is no FIFO`);
  }
  return fd;
}

/**
 * Whether anything but the shell itself is alive in its session. Read synchronously:
 * the sandbox's own /proc lists a handful of pids, and a thread-pool round trip per
 * file would cost more than the whole scan.
 */
function hasCompany(leader: number): boolean {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === leader) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "latin1");
    } catch {
      continue;
    }
    const [state, , pgrp, session] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (state === "Z" || state === "X") continue;
    if (Number(pgrp) === leader || Number(session) === leader) return true;
  }
  return false;
}
