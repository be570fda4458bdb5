/**
 * One host run's sandbox, seen from the server: bubblewrap around the spawn helper, started
 * when the run's executor session opens and ended when it closes. Commands go to the helper
 * over IPC; their output comes back chunk by chunk, each acknowledged once the sink took it (the helper
 * keeps up to a window of unacknowledged output in flight).
 * Ending the helper ends the sandbox's pid namespace, and the kernel kills whatever is still
 * in it (`setsid`, `nohup`, daemons included). A parent-death signal on bwrap does the same
 * when the server dies, so a crash leaves no process behind and nothing needs recording.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { QuireError } from "../../core/errors.ts";
import type { ExecResult, OutputSink } from "../../core/ports/exec.ts";
import { HOST_HELPER_FILE } from "../package/package-files.ts";
import { parseFromHelper, type FromHelper, type ToHelper } from "./host-helper-protocol.ts";
import { SETPRIV } from "../process/bwrap-args.ts";
import { hostSandboxArgs, type JobUser } from "./host-sandbox-args.ts";

export interface RunSandboxOptions {
  bwrapPath: string;
  /** Set when the server is root: jobs run as this user. */
  user: JobUser | undefined;
  network: boolean;
  hide: readonly { path: string; directory: boolean }[];
  nodePath?: string;
  helperFile?: string;
}

export interface SandboxCommand {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number | null;
  graceMs: number;
  drainIdleMs: number;
}

interface Pending {
  sink: OutputSink;
  /** Output is handed to the sink in order, one chunk at a time. */
  tail: Promise<void>;
  sinkError?: unknown;
  settle: (outcome: { ok: true; result: ExecResult } | { ok: false; error: unknown }) => void;
}

const STDERR_TAIL = 4096;
/** How long the helper gets to leave on its own before the sandbox is killed. */
const EXIT_WAIT_MS = 2_000;

export class RunSandbox {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, Pending>();
  readonly #exited: Promise<void>;
  /** Resolves once the helper listens; rejects if the sandbox did not come up. */
  readonly ready: Promise<void>;
  #nextId = 1;
  #stderr = "";
  #gone: QuireError | undefined;

  constructor(options: RunSandboxOptions, workspace: string) {
    const nodePath = options.nodePath ?? process.execPath;
    const args = hostSandboxArgs({ ...options, nodePath, helperFile: options.helperFile ?? HOST_HELPER_FILE, workspace });
    // Nothing of the server's environment reaches the sandbox; each command brings its own.
    // setpriv ties bwrap to the server: --die-with-parent only ties the sandbox to bwrap.
    this.#child = spawn(SETPRIV, ["--pdeathsig=KILL", "--", options.bwrapPath, ...args], { cwd: "/", env: { PATH: "/usr/bin:/bin" }, stdio: ["ignore", "ignore", "pipe", "ipc"], serialization: "advanced" });
    this.#child.stderr?.on("data", (chunk: Buffer) => void (this.#stderr = (this.#stderr + chunk.toString()).slice(-STDERR_TAIL)));
    let readyNow: () => void = () => undefined;
    this.ready = new Promise<void>((resolve) => (readyNow = resolve));
    const failed = new Promise<never>((_, reject) => {
      this.#child.on("error", (error) => reject(this.#broken(`could not start bubblewrap (${options.bwrapPath}): ${error.message}`, error)));
      this.#child.on("exit", (code, signal) => reject(this.#broken(`the run's sandbox ended unexpectedly (${signal ?? `exit code ${code}`})${this.#stderrNote()}`)));
    });
    failed.catch(() => undefined);
    this.ready = Promise.race([this.ready, failed]);
    // Whoever awaits it sees the failure; nobody awaiting it is no unhandled rejection.
    this.ready.catch(() => undefined);
    this.#exited = new Promise((resolve) => this.#child.on("exit", () => resolve()));
    this.#child.on("message", (value) => {
      const message = parseFromHelper(value);
      if (message?.type === "ready") readyNow();
      else if (message !== undefined) this.#onMessage(message);
    });
  }

  /** Runs one command in the sandbox; rejects only when the sandbox itself broke. */
  async exec(command: SandboxCommand, signal: AbortSignal, sink: OutputSink): Promise<ExecResult> {
    await this.ready;
    if (this.#gone) throw this.#gone;
    const id = this.#nextId++;
    const outcome = new Promise<{ ok: true; result: ExecResult } | { ok: false; error: unknown }>((settle) => {
      this.#pending.set(id, { sink, tail: Promise.resolve(), settle });
    });
    const cancel = () => this.#send({ type: "cancel", id });
    signal.addEventListener("abort", cancel, { once: true });
    try {
      this.#send({ type: "exec", id, ...command });
      if (signal.aborted) cancel();
      const settled = await outcome;
      if (!settled.ok) throw settled.error;
      return settled.result;
    } finally {
      signal.removeEventListener("abort", cancel);
      this.#pending.delete(id);
    }
  }

  /** Ends the helper, and with it every process of the run. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      if (this.#child.connected) this.#child.disconnect();
      const exited = await Promise.race([this.#exited.then(() => true), sleep(EXIT_WAIT_MS).then(() => false)]);
      if (!exited) this.#child.kill("SIGKILL");
    }
    await this.#exited;
  }

  #onMessage(message: Exclude<FromHelper, { type: "ready" }>): void {
    const pending = this.#pending.get(message.id);
    if (pending === undefined) return;
    if (message.type === "output") {
      pending.tail = pending.tail.then(async () => {
        if (pending.sinkError === undefined) {
          try {
            await pending.sink.write(message.stream, message.chunk);
          } catch (error) {
            // A sink that cannot take output must not leave the command blocked on a full pipe.
            pending.sinkError = error;
            this.#send({ type: "cancel", id: message.id });
          }
        }
        this.#send({ type: "ack", id: message.id });
      });
      return;
    }
    void pending.tail.then(() => {
      if (pending.sinkError !== undefined) pending.settle({ ok: false, error: pending.sinkError });
      else if (message.type === "done") pending.settle({ ok: true, result: { exit: message.exit, duration_ms: message.duration_ms, reason: message.reason } });
      else pending.settle({ ok: false, error: new QuireError("executor_failed", `the sandbox's helper could not run the command: ${message.message}`) });
    });
  }

  #send(message: ToHelper): void {
    if (this.#child.connected) this.#child.send(message);
  }

  #broken(message: string, cause?: unknown): QuireError {
    this.#gone ??= new QuireError("executor_unavailable", message, cause === undefined ? undefined : { cause });
    for (const pending of this.#pending.values()) void pending.tail.then(() => pending.settle({ ok: false, error: this.#gone }));
    return this.#gone;
  }

  #stderrNote(): string {
    const text = this.#stderr.trim();
    return text === "" ? "" : `: ${text.split("\n").slice(-3).join(" / ")}`;
  }
}
