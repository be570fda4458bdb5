/**
 * One host run's sandbox, seen from the server: bubblewrap around the spawner shell
 * (spawner-shell.ts), started when the run's executor session opens and ended when it
 * closes. Commands go straight from the server to a slot's shell over FIFOs (shell-slot.ts);
 * no Node process runs in the sandbox.
 * Ending the spawner ends the sandbox's pid namespace, and the kernel kills whatever is still
 * in it (`setsid`, `nohup`, daemons included). bwrap's --die-with-parent does the same when
 * the server dies (see sandboxCommand), so a crash leaves no process behind and nothing needs
 * recording.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { basename, dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { QuireError } from "../../core/errors.ts";
import type { ExecResult, OutputSink } from "../../core/ports/exec.ts";
import type { Cancel } from "./cancel.ts";
import { EXIT_CANNOT_RUN, EXIT_KILLED, EXIT_NOT_FOUND } from "./host-process.ts";
import { hostSandboxArgs, type JobUser } from "./host-sandbox-args.ts";
import { LineReader } from "./line-reader.ts";
import { planLine } from "./shell-line.ts";
import { ShellPool } from "./shell-pool.ts";
import { ShellSlot, type Spawner } from "./shell-slot.ts";
import { SlotDir } from "./slot-fifos.ts";
import { killRequest, parseAnswer, slotRequest, SPAWNER_SETUP, type KillSignal } from "./spawner-shell.ts";

export interface RunSandboxOptions {
  bwrapPath: string;
  /** Set when the server is root: jobs run as this user. */
  user: JobUser | undefined;
  network: boolean;
  hide: readonly { path: string; directory: boolean }[];
  nodePath?: string;
}

export interface SandboxCommand {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number | null;
  graceMs: number;
  drainIdleMs: number;
}

const STDERR_TAIL = 4096;
/** How long the spawner gets to leave on its own before the sandbox is killed. */
const EXIT_WAIT_MS = 2_000;
/** A spawner that takes longer to answer is stopped or wedged by the job: the sandbox is ended. */
const ANSWER_MS = 5_000;
const encoder = new TextEncoder();

export class RunSandbox implements Spawner {
  readonly #child: ChildProcess;
  readonly #dir: SlotDir;
  readonly #pool: ShellPool;
  readonly #exited: Promise<void>;
  /** Who waits for the spawner's answers about each session, oldest first: it answers in order. */
  readonly #answers = new Map<number, ((count: number) => void)[]>();
  readonly #answerLines = new LineReader(256);
  /** Every open slot, so a broken sandbox can fail their commands at once. */
  readonly #slots = new Set<ShellSlot>();
  /** Rejects once the sandbox is gone; every wait on it races this. */
  readonly #failed: Promise<never>;
  /** Resolves once the first slot's shell spoke; rejects if the sandbox did not come up. */
  readonly ready: Promise<void>;
  #stderr = "";
  #gone: QuireError | undefined;

  /** Throws when the slots' directory cannot be made. */
  constructor(options: RunSandboxOptions, workspace: string) {
    this.#dir = SlotDir.create(dirname(workspace), basename(workspace), options.user);
    const args = hostSandboxArgs({ ...options, nodePath: options.nodePath ?? process.execPath, slotsDir: this.#dir.path, workspace });
    // Nothing of the server's environment reaches the sandbox; each command brings its own.
    // No parent-death wrapper around bwrap: see sandboxCommand.
    this.#child = spawn(options.bwrapPath, args, { cwd: "/", env: {}, stdio: ["pipe", "pipe", "pipe"] });
    this.#child.stderr?.on("data", (chunk: Buffer) => void (this.#stderr = (this.#stderr + chunk.toString()).slice(-STDERR_TAIL)));
    this.#child.stdout?.on("data", (chunk: Buffer) => this.#answerLines.push(chunk.toString("latin1"), (line) => this.#onAnswer(line)));
    this.#child.stdin?.on("error", () => undefined);
    this.#failed = new Promise<never>((_, reject) => {
      this.#child.on("error", (error) => reject(this.#broken(`could not start bubblewrap (${options.bwrapPath}): ${error.message}`, error)));
      this.#child.on("exit", (code, signal) => reject(this.#broken(`the run's sandbox ended unexpectedly (${signal ?? `exit code ${code}`})${this.#stderrNote()}`)));
    });
    // Whoever awaits it sees the failure; nobody awaiting it is no unhandled rejection.
    this.#failed.catch(() => undefined);
    this.#exited = new Promise((resolve) => this.#child.on("exit", () => resolve()));
    this.#child.stdin?.write(SPAWNER_SETUP);
    this.#pool = new ShellPool(async () => {
      const slot = await ShellSlot.open(this.#dir, this, this.#failed);
      this.#slots.add(slot);
      slot.onClose = () => this.#slots.delete(slot);
      return slot;
    });
    this.ready = Promise.race([this.#pool.warm(), this.#failed]);
    this.ready.catch(() => undefined);
  }

  /** Runs one command in the sandbox; rejects only when the sandbox itself broke. */
  async exec(command: SandboxCommand, cancel: Cancel, sink: OutputSink): Promise<ExecResult> {
    await this.ready;
    if (this.#gone) throw this.#gone;
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    if (cancel.aborted) return { exit: EXIT_KILLED, duration_ms: 0, reason: "cancelled" };
    // No race with the sandbox's end here: a slot being opened races it, an idle one is there.
    const slot = await this.#pool.take();
    try {
      if (cancel.aborted) return { exit: EXIT_KILLED, duration_ms: 0, reason: "cancelled" };
      const plan = planLine(command, slot.inside, slot.nextSeq());
      if (plan.kind === "invalid") throw new QuireError("executor_failed", `the command cannot be run: ${plan.message}`);
      if (plan.kind === "empty") {
        await sink.write("stderr", encoder.encode("quire: empty command\n"));
        return { exit: EXIT_NOT_FOUND, duration_ms: elapsed(), reason: "exited" };
      }
      const outcome = await slot.run({ line: plan.line, timeoutMs: command.timeoutMs, cancel, graceMs: command.graceMs, drainIdleMs: command.drainIdleMs }, sink);
      if (outcome.kind === "not-found") {
        await sink.write("stderr", encoder.encode(`quire: ${command.argv[0]}: command not found\n`));
        return { exit: EXIT_NOT_FOUND, duration_ms: elapsed(), reason: "exited" };
      }
      if (outcome.kind === "cwd") {
        await sink.write("stderr", encoder.encode(`quire: cwd ${JSON.stringify(command.cwd)} is gone\n`));
        return { exit: EXIT_CANNOT_RUN, duration_ms: elapsed(), reason: "exited" };
      }
      return { exit: outcome.code, duration_ms: elapsed(), reason: outcome.reason };
    } finally {
      this.#pool.giveBack(slot);
    }
  }

  startSlot(prefix: string): void {
    this.#child.stdin?.write(slotRequest(prefix));
  }

  kill(sid: number, signal: KillSignal): Promise<number> {
    if (this.#gone) return Promise.reject(this.#gone);
    if (!Number.isSafeInteger(sid) || sid <= 1) return Promise.resolve(0);
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(this.#broken("the run's sandbox stopped answering"));
        this.#child.kill("SIGKILL");
      }, ANSWER_MS);
      const waiting = this.#answers.get(sid) ?? [];
      waiting.push((count) => {
        clearTimeout(timer);
        resolve(count);
      });
      this.#answers.set(sid, waiting);
      this.#child.stdin?.write(killRequest(sid, signal));
    });
  }

  /** Ends the spawner, and with it every process of the run. Safe to call twice. */
  async close(): Promise<void> {
    this.#pool.close();
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.stdin?.end();
      const exited = await Promise.race([this.#exited.then(() => true), sleep(EXIT_WAIT_MS).then(() => false)]);
      if (!exited) this.#child.kill("SIGKILL");
    }
    await this.#exited;
    this.#gone ??= new QuireError("session_closed", "the run's sandbox was closed");
    this.#dir.removeAll();
  }

  #onAnswer(line: string): void {
    const answer = parseAnswer(line);
    // Anything else came from a job writing into the spawner's output: it only delays its own kills.
    if (answer === undefined) return;
    const waiting = this.#answers.get(answer.sid);
    const next = waiting?.shift();
    if (waiting?.length === 0) this.#answers.delete(answer.sid);
    next?.(answer.count);
  }

  #broken(message: string, cause?: unknown): QuireError {
    this.#gone ??= new QuireError("executor_unavailable", message, cause === undefined ? undefined : { cause });
    for (const slot of this.#slots) slot.abandon(this.#gone);
    return this.#gone;
  }

  #stderrNote(): string {
    const text = this.#stderr.trim();
    return text === "" ? "" : `: ${text.split("\n").slice(-3).join(" / ")}`;
  }
}
