/**
 * A spawner slot, seen from the server: one long-lived /bin/sh inside the run's sandbox, in a
 * session of its own, started by the spawner (spawner-shell.ts) on four FIFOs the server made
 * (slot-fifos.ts). The server writes one line per command to `in` (shell-line.ts), reads the
 * command's output from `out` and `err` and its status from `st`, all itself: no process sits
 * between the server and the shell. A small shell starts a program with vfork, far cheaper
 * than a fork of Node (see docs/architecture.md, "Host exec cost").
 *
 * The read ends stay open across commands. The command has exited before its shell writes
 * the status, so once the status is in, whatever the command wrote is in the pipes and is
 * drained then. A slot whose command may have left processes behind (`cmd &`) is retired,
 * so nothing but the current command can write into a slot's output; output or a status on
 * an idle slot, or a line that is not a status, retire it too. Everything here is the job
 * user's to tamper with, and tampering spoils only the job's own output and status.
 */
import { readSync } from "node:fs";
import { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import type { ExecResult, OutputSink, StreamName } from "../../core/ports/exec.ts";
import { LineReader } from "./line-reader.ts";
import type { SlotDir, SlotFifos } from "./slot-fifos.ts";
import type { Cancel } from "./cancel.ts";
import type { KillSignal } from "./spawner-shell.ts";

export interface SlotCommand {
  /** From planLine: the line to run. */
  line: string;
  timeoutMs: number | null;
  cancel: Cancel;
  graceMs: number;
  drainIdleMs: number;
}

/** What a slot needs of its sandbox's spawner. */
export interface Spawner {
  startSlot(prefix: string): void;
  /** Signals the session's tree; resolves how many processes were signalled (0: none left). */
  kill(sid: number, signal: KillSignal): Promise<number>;
}

export type SlotOutcome = { kind: "exit"; code: number; reason: ExecResult["reason"] } | { kind: "not-found" } | { kind: "cwd" };

type Status =
  | { kind: "exit"; code: number; pids?: number }
  | { kind: "not-found" }
  | { kind: "cwd" }
  | { kind: "gone"; code: number }
  /** The sandbox broke: no status will come. */
  | { kind: "broken"; error: unknown };

const STATUS = /^(?:p (\d{1,10})|s (\d{1,10}) (\d{1,3}|nf|cwd)(?: (\d*) (\d*))?|x (\d{1,3}))$/;
/** Output queued for the sink before the slot stops reading its pipes (backpressure). */
const WINDOW_BYTES = 1024 * 1024;
/** The most drained at once after a status: a pipe holds at most 1 MiB for an unprivileged writer. */
const DRAIN_LIMIT = 4 * 1024 * 1024;
/** Pipes a leftover may still write to are read at most this long after the exit. */
const DRAIN_MAX_MS = 5_000;
const POLL_MS = 20;
/** How long the first line may take: the sandbox may still be starting. */
const START_MS = 30_000;

interface Running {
  sink: OutputSink;
  tail: Promise<void>;
  queued: number;
  sinkError?: unknown;
  /** When output last arrived or was taken. */
  last: number;
  stop?: () => void;
}

export class ShellSlot {
  /** Never to be given another command. */
  retired = false;
  /** Told once, when the slot closes. */
  onClose: (() => void) | undefined;
  readonly #fifos: SlotFifos;
  readonly #streams: Record<StreamName, Socket>;
  readonly #st: Socket;
  readonly #in: Socket;
  readonly #lines = new LineReader(256);
  #sid = 0;
  /** The current command's number in this slot (shell-line.ts). */
  #seq = 0;
  #waiting: ((status: Status) => void) | undefined;
  #gone: Status | undefined;
  #running: Running | undefined;
  #closed = false;

  private constructor(
    fifos: SlotFifos,
    private readonly dir: SlotDir,
    private readonly spawner: Spawner,
    /** Rejects when the sandbox broke: no status will come any more. */
    private readonly gone: Promise<never>,
  ) {
    this.#fifos = fifos;
    const reader = (fd: number) => new Socket({ fd, readable: true, writable: false });
    this.#streams = { stdout: reader(fifos.fds.out), stderr: reader(fifos.fds.err) };
    this.#st = reader(fifos.fds.st);
    this.#in = new Socket({ fd: fifos.fds.in, readable: false, writable: true });
    for (const socket of [this.#st, this.#in, ...Object.values(this.#streams)]) socket.on("error", () => this.#retire());
    this.#streams.stdout.on("data", (chunk: Buffer) => this.#output("stdout", chunk));
    this.#streams.stderr.on("data", (chunk: Buffer) => this.#output("stderr", chunk));
    this.#st.on("data", (chunk: Buffer) => this.#lines.push(chunk.toString("latin1"), (line) => this.#onStatus(line)));
  }

  /** A slot whose shell has said its pid; rejects when the FIFOs cannot be made or the shell never speaks. */
  static async open(dir: SlotDir, spawner: Spawner, gone: Promise<never>): Promise<ShellSlot> {
    const slot = new ShellSlot(await dir.make(), dir, spawner, gone);
    const hello = slot.#next();
    slot.#in.write(`echo "p $$" >&3\n`);
    spawner.startSlot(slot.#fifos.inside.in.slice(0, -".in".length));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("the slot's shell did not start")), START_MS)));
    try {
      await Promise.race([hello, gone, late]);
    } catch (error) {
      slot.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    if (slot.#sid === 0) {
      slot.close();
      throw new Error("the slot's shell did not start");
    }
    return slot;
  }

  get inside(): { out: string; err: string } {
    return this.#fifos.inside;
  }

  /** Numbers the next command: its line must carry it (planLine's `seq`). */
  nextSeq(): number {
    return ++this.#seq;
  }

  /** Runs one line; the caller made sure the slot is idle and not retired. Throws what the sink threw, or the sandbox's end. */
  async run(cmd: SlotCommand, sink: OutputSink): Promise<SlotOutcome> {
    const running: Running = { sink, tail: Promise.resolve(), queued: 0, last: performance.now() };
    this.#running = running;
    let reason: ExecResult["reason"] = "exited";
    let killing: Promise<void> | undefined;
    const stop = (why: "timed-out" | "cancelled") => {
      if (killing) return;
      reason = why;
      this.retired = true;
      // A killed slot's status may never come (its waiting subshell may be gone too): the end of the kill settles it.
      const settleLate = () => void setTimeout(() => this.#settle({ kind: "gone", code: 137 }), 1_000).unref();
      killing = this.#killTree(cmd.graceMs).then(settleLate, (error: unknown) => {
        this.#settle({ kind: "broken", error });
      });
    };
    running.stop = () => stop("cancelled");
    cmd.cancel.onAbort(running.stop);
    const timer = cmd.timeoutMs === null ? undefined : setTimeout(() => stop("timed-out"), cmd.timeoutMs);
    try {
      const finished = this.#next();
      this.#in.write(cmd.line);
      const status = await finished;
      if (status.kind === "broken") throw status.error;
      await killing;
      this.#drain();
      const quiet = status.kind === "exit" && status.pids !== undefined && status.pids >= 0 && status.pids <= 1;
      if (!this.retired && !quiet && status.kind !== "gone" && (await this.#hasCompany())) this.retired = true;
      if (this.retired && killing === undefined && status.kind !== "gone") await this.#drainIdle(running, cmd.drainIdleMs);
      await running.tail;
      if (running.sinkError !== undefined) {
        stop("cancelled");
        await killing;
        throw running.sinkError;
      }
      if (status.kind === "cwd" || status.kind === "not-found") return status;
      return { kind: "exit", code: Math.min(status.code, 255), reason };
    } finally {
      if (timer) clearTimeout(timer);
      cmd.cancel.onAbort(undefined);
      this.#running = undefined;
      for (const socket of Object.values(this.#streams)) socket.resume();
      if (this.retired) this.close();
    }
  }

  /** The sandbox broke: the command waiting here, if any, fails with `error`. */
  abandon(error: unknown): void {
    this.retired = true;
    this.#gone ??= { kind: "broken", error };
    this.#settle(this.#gone);
  }

  /** Ends the slot: its shell reads the end of its input and leaves; what it left running stays until the sandbox ends. */
  close(): void {
    this.retired = true;
    if (this.#closed) return;
    this.#closed = true;
    this.onClose?.();
    for (const socket of [this.#in, this.#st, ...Object.values(this.#streams)]) socket.destroy();
    this.dir.remove(this.#fifos.n);
  }

  /** SIGTERM, a grace period, then SIGKILL until nothing of the session is left; through the spawner, inside the sandbox. */
  async #killTree(graceMs: number): Promise<void> {
    const sid = this.#sid;
    let left = await this.spawner.kill(sid, "TERM");
    const grace = performance.now() + graceMs;
    while (left > 0 && performance.now() < grace) {
      await sleep(POLL_MS);
      left = await this.spawner.kill(sid, "0");
    }
    const end = performance.now() + 2_000;
    while (left > 0 && performance.now() < end) {
      left = await this.spawner.kill(sid, "KILL");
      if (left > 0) await sleep(POLL_MS);
    }
  }

  /** Whether anything but the shell itself is alive in its session or group. */
  async #hasCompany(): Promise<boolean> {
    return (await this.spawner.kill(this.#sid, "0")) > 1;
  }

  #output(stream: StreamName, chunk: Buffer): void {
    const running = this.#running;
    if (running === undefined) {
      // Output with no command running: a leftover or a job writing into the FIFO.
      this.#retire();
      return;
    }
    running.last = performance.now();
    running.queued += chunk.byteLength;
    if (running.queued > WINDOW_BYTES) for (const socket of Object.values(this.#streams)) socket.pause();
    running.tail = running.tail.then(async () => {
      if (running.sinkError === undefined) {
        try {
          await running.sink.write(stream, chunk);
        } catch (error) {
          // A sink that cannot take output must not leave the command blocked on a full pipe.
          running.sinkError = error;
          running.stop?.();
        }
      }
      running.queued -= chunk.byteLength;
      running.last = performance.now();
      if (running.queued <= WINDOW_BYTES && this.#running === running) for (const socket of Object.values(this.#streams)) socket.resume();
    });
  }

  /** Takes what the command left in the pipes: the stream's own buffer first, then the FIFO itself. */
  #drain(): void {
    for (const stream of ["stdout", "stderr"] as const) {
      const socket = this.#streams[stream];
      while (socket.readableLength > 0 && socket.read() !== null);
      const fd = stream === "stdout" ? this.#fifos.fds.out : this.#fifos.fds.err;
      for (let taken = 0; taken < DRAIN_LIMIT; ) {
        const chunk = readNow(fd);
        if (chunk === undefined) break;
        taken += chunk.byteLength;
        this.#output(stream, chunk);
        if (taken >= DRAIN_LIMIT) this.#retire();
      }
    }
  }

  /** Reads on while something the command left behind still writes, until `idleMs` of quiet. */
  async #drainIdle(running: Running, idleMs: number): Promise<void> {
    const hard = performance.now() + DRAIN_MAX_MS;
    for (;;) {
      const wait = Math.min(running.last + idleMs, hard) - performance.now();
      if (wait <= 0) return;
      await sleep(wait);
      await running.tail;
    }
  }

  #retire(): void {
    this.retired = true;
    // Idle, nothing is owed to anyone: stop reading what a job may keep writing.
    if (this.#running === undefined && this.#sid !== 0) this.close();
  }

  #next(): Promise<Status> {
    if (this.#gone) return Promise.resolve(this.#gone);
    return new Promise((resolve) => (this.#waiting = resolve));
  }

  #onStatus(line: string): void {
    const match = STATUS.exec(line);
    if (match === null) {
      // Only the shell and its waiting subshell write here, but a job can reach the FIFO: nonsense retires the slot.
      this.#retire();
      return;
    }
    const [, pid, seq, code, before, after, gone] = match;
    if (pid !== undefined) {
      if (this.#sid !== 0) return this.#retire();
      this.#sid = Number(pid);
      return this.#settle({ kind: "exit", code: 0 });
    }
    if (gone !== undefined) {
      this.#retire();
      this.#gone = { kind: "gone", code: Number(gone) };
      return this.#settle(this.#gone);
    }
    // A status for no command, or for another one than the current: forged or late.
    if (this.#waiting === undefined || Number(seq) !== this.#seq) return this.#retire();
    if (code === "cwd") return this.#settle({ kind: "cwd" });
    if (code === "nf") return this.#settle({ kind: "not-found" });
    const pids = before && after ? Number(after) - Number(before) : undefined;
    this.#settle({ kind: "exit", code: Number(code), ...(pids === undefined ? {} : { pids }) });
  }

  #settle(status: Status): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.(status);
  }
}

const sleep = (ms: number): Promise<undefined> => new Promise((resolve) => setTimeout(() => resolve(undefined), ms));

const spare = Buffer.allocUnsafe(64 * 1024);

/** What the FIFO holds right now, or undefined when it is empty (EAGAIN) or broken. */
function readNow(fd: number): Buffer | undefined {
  const limit = Error.stackTraceLimit;
  // An empty FIFO answers EAGAIN, thrown as an error: without a stack it costs little.
  Error.stackTraceLimit = 0;
  try {
    const n = readSync(fd, spare, 0, spare.byteLength, null);
    return n > 0 ? Buffer.from(spare.subarray(0, n)) : undefined;
  } catch {
    return undefined;
  } finally {
    Error.stackTraceLimit = limit;
  }
}
