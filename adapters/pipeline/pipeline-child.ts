/**
 * One sandboxed pipeline process: started under Node's permission model, killed with
 * SIGKILL on the wall clock, on abort, above its memory cap or on close, and never left
 * behind, even when the server exits without closing its sessions. A SIGKILLed server gets
 * no say, and a child busy in a loop never notices the IPC channel closing: so with a
 * ProcessTracker the child leads a process group of its own, recorded where reconcile finds it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { pathToFileURL } from "node:url";
import { QuireError } from "../../core/errors.ts";
import type { PipelineLimits } from "../../core/ports/pipeline-runtime.ts";
import type { ProcessTracker } from "../../core/ports/exec.ts";
import { pipelineSandboxArgs, sandboxCommand, type SandboxIds } from "../process/bwrap-args.ts";
import { parseChildMessage } from "./child-messages.ts";
import { watchMemory } from "./memory-watch.ts";
import { atServerExit } from "./server-exit.ts";
import type { ChildMessage, ServerMessage } from "./protocol.ts";

export interface PipelineChildOptions {
  nodePath: string;
  /** The one directory the child may read; its bundle is written there, perhaps after the start. */
  bundleDir: string;
  /**
   * Real path. Without a sandbox the child's cwd, though it may neither read nor write there:
   * the permission model checks path strings, so a symlink in the workspace would lead
   * anywhere. A sandboxed child may start before it exists (undefined); load() tells it then.
   */
  workspace: string | undefined;
  limits: PipelineLimits;
  signal: AbortSignal;
  /** Resident memory cap (heap cap plus room for Buffers); undefined: no polling. */
  rssLimitMb: number | undefined;
  env: Record<string, string>;
  /** Told about the child's process group; without it the child stays in the server's group. */
  processes?: ProcessTracker;
  /** Run inside bubblewrap; undefined only with `sandbox: off`. */
  sandbox?: ChildSandbox;
  /**
   * Started ahead of any run (a spare): in a process group of its own, keeping nothing of the
   * server alive, with no wall clock, no signal and no tracker until adopt() gives it a run's.
   */
  spare?: boolean;
}

/** What a run gives the child it uses: the run's limits, its signal, its process tracker. */
export interface ChildRun {
  limits: PipelineLimits;
  signal: AbortSignal;
  processes?: ProcessTracker;
}

export interface ChildSandbox {
  bwrapPath: string;
  /** Who the sandbox runs as; undefined keeps the server's (non-root) uid. */
  ids: SandboxIds | undefined;
}

const STDIO_TAIL_BYTES = 8 * 1024;

/**
 * The child's entry, so it can start while esbuild still bundles: wait for the bundle's
 * URL, then import it. The listener goes with the first message, leaving the channel to
 * the runner in the bundle. A failed import kills the process with the error on stderr.
 */
const BOOTSTRAP = 'process.once("message", (message) => { if (typeof message.workspace === "string") process.env.QUIRE_WORKSPACE = message.workspace; void import(message.url); });';

/** How long a killed child's pipes may stay open before they are let go (see kill). */
const RELEASE_MS = 5_000;

export class PipelineChild {
  readonly pid: number | undefined;
  readonly closed: Promise<void>;
  #process: ChildProcess;
  /** The child's own process group, when it leads one. */
  readonly #group: number | undefined;
  #tracker: ProcessTracker | undefined;
  #registered: Promise<void> = Promise.resolve();
  #run: ChildRun | undefined;
  #wallClock: NodeJS.Timeout | undefined;
  #onAbort = (): void => void this.kill("cancelled");
  #exited = false;
  #killReason: string | undefined;
  #deathReason: string | undefined;
  #output = "";
  #onMessage: (message: ChildMessage) => void = () => undefined;
  #onDeath: Array<(reason: string) => void> = [];

  constructor(private readonly options: PipelineChildOptions) {
    const { workspace, bundleDir, limits, processes } = options;
    const args = [
      "--experimental-permission",
      // The bundle is all the child reads; readFile and writeFile go through the server.
      `--allow-fs-read=${bundleDir}`,
      `--max-old-space-size=${limits.memoryMb}`,
      "--enable-source-maps",
      // The permission model's warning would bury the pipeline's own stderr.
      "--disable-warning=ExperimentalWarning",
      "--input-type=module",
      "--eval",
      BOOTSTRAP,
    ];
    // Without a tracker nothing could find a group of its own, while the server's group at
    // least takes the child along when a terminal's ^C stops a `quire ci validate`. A spare
    // leads its own from the start: the run that adopts it records it.
    const detached = processes !== undefined || options.spare === true;
    const child = options.sandbox === undefined ? spawnBare(options, args, detached) : spawnSandboxed(options, options.sandbox, args, detached);
    this.#process = child;
    this.pid = child.pid;
    this.#group = detached ? child.pid : undefined;
    child.once("exit", () => void (this.#exited = true));
    const forget = atServerExit(() => this.#signal());
    // Console output is kept only to explain a crash; jobs report through log() and sh.
    const keep = (chunk: Buffer): void => void (this.#output = (this.#output + chunk.toString()).slice(-STDIO_TAIL_BYTES));
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.on("message", (raw) => this.#receive(raw));
    const memory =
      child.pid === undefined || options.rssLimitMb === undefined
        ? undefined
        : watchMemory(child.pid, options.rssLimitMb, (rss) => void this.kill(`memory limit exceeded (${rss} MB resident, limit ${options.rssLimitMb} MB)`));

    this.closed = new Promise((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error): void => {
        if (this.#deathReason !== undefined) return;
        clearTimeout(this.#wallClock);
        this.#run?.signal.removeEventListener("abort", this.#onAbort);
        memory?.stop();
        forget();
        this.#deathReason = this.#explain(code, signal, spawnError);
        for (const listener of this.#onDeath) listener(this.#deathReason);
        // The child could start nothing, so its group is gone with it.
        const group = this.#group;
        const tracker = this.#tracker;
        const untracked = group === undefined || tracker === undefined ? Promise.resolve() : this.#registered.then(() => tracker.ended(group));
        void untracked.catch(() => undefined).then(resolve);
      };
      child.on("close", (code, signal) => finish(code, signal));
      child.on("error", (error) => {
        if (child.pid === undefined) finish(null, null, error);
      });
    });
    if (options.spare === true) this.#hold(false);
    else this.adopt(options);
  }

  /** Settles once the tracker has recorded the child's group (at once without a tracker). */
  get registered(): Promise<void> {
    return this.#registered;
  }

  /**
   * Binds the child to the run that uses it: the run's wall clock starts now, its signal
   * kills the child, its tracker records the child's group. Once per child.
   */
  adopt(run: ChildRun): void {
    if (this.#run !== undefined) throw new QuireError("pipeline_adopted_twice", "a pipeline process serves one run");
    this.#run = run;
    if (this.options.spare === true) this.#hold(true);
    if (this.gone !== undefined) return;
    if (this.#group !== undefined && run.processes !== undefined) {
      this.#tracker = run.processes;
      this.#registered = run.processes.started(this.#group);
      // Recorded or not, the group is ended on close; a rejection is the runtime's to report.
      this.#registered.catch(() => undefined);
    }
    // setTimeout fires at once for delays past 2^31-1 ms (~24.8 days); such a limit means "none".
    const { wallClockMs } = run.limits;
    this.#wallClock = setTimeout(() => void this.kill(`wall-clock limit of ${wallClockMs / 1000} s exceeded`), Math.min(wallClockMs, 2 ** 31 - 1));
    this.#wallClock.unref();
    if (run.signal.aborted) this.#onAbort();
    else run.signal.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** A spare keeps nothing alive: a CLI that ran its one run exits with the spare still idle. */
  #hold(ref: boolean): void {
    const handles = [this.#process, this.#process.channel, this.#process.stdout, this.#process.stderr] as Array<{ ref?: () => void; unref?: () => void } | null | undefined>;
    for (const handle of handles) {
      if (ref) handle?.ref?.();
      else handle?.unref?.();
    }
  }

  /** Why the process is gone or going; undefined while it may still work. */
  get gone(): string | undefined {
    if (this.#deathReason !== undefined) return this.#deathReason;
    return this.#killReason === undefined ? undefined : `pipeline process killed: ${this.#killReason}`;
  }

  onMessage(listener: (message: ChildMessage) => void): void {
    this.#onMessage = listener;
  }

  /** Called once, with the reason, when the process has exited and its output is drained. */
  onDeath(listener: (reason: string) => void): void {
    if (this.#deathReason !== undefined) listener(this.#deathReason);
    else this.#onDeath.push(listener);
  }

  /** Hands the child its bundle (a file in bundleDir); it answers "loaded" or "load-error". */
  load(bundleFile: string, workspace: string): void {
    this.send({ type: "bundle", url: pathToFileURL(bundleFile).href, workspace });
  }

  send(message: ServerMessage): void {
    if (this.gone !== undefined || !this.#process.connected) return;
    this.#process.send(message, (error: Error | null) => {
      if (error !== null && this.gone === undefined) void this.kill(`the IPC channel broke: ${error.message}`);
    });
  }

  /** SIGKILL; the first reason given is the one reported. Resolves when the process is gone. */
  async kill(reason: string): Promise<void> {
    if (this.#deathReason === undefined) {
      this.#killReason ??= reason;
      this.#signal();
    }
    // Killed in bubblewrap's first moments, the sandbox's init may not yet be set to die with
    // bwrap, and holds the child's pipes open: "close" would never come (seen once, in a
    // loaded full run, on a run abandoned right after its child started). Let go of the
    // pipes and the channel after a grace; without its channel the child's Node ends too.
    const release = setTimeout(() => this.#release(), RELEASE_MS);
    release.unref();
    try {
      await this.closed;
    } finally {
      clearTimeout(release);
    }
  }

  #release(): void {
    this.#process.stdout?.destroy();
    this.#process.stderr?.destroy();
    if (this.#process.connected) this.#process.disconnect();
  }

  #signal(): void {
    // Once it has exited, its pid (and group id) may belong to someone else.
    if (this.#exited) return;
    const group = this.#group;
    if (group !== undefined) {
      try {
        process.kill(-group, "SIGKILL");
        return;
      } catch {
        // ESRCH: the group is already gone; the plain kill below is harmless then.
      }
    }
    this.#process.kill("SIGKILL");
  }

  #receive(raw: unknown): void {
    if (this.gone !== undefined) return;
    const parsed = parseChildMessage(raw);
    if (parsed.ok) this.#onMessage(parsed.value);
    else void this.kill(`it sent ${parsed.error}`);
  }

  #explain(code: number | null, signal: NodeJS.Signals | null, spawnError?: Error): string {
    if (spawnError !== undefined) return `pipeline process could not start: ${spawnError.message}`;
    if (this.#killReason !== undefined) return `pipeline process killed: ${this.#killReason}`;
    const output = this.#output;
    if (signal === "SIGABRT" || code === 134 || /heap out of memory|Reached heap limit/.test(output)) {
      return `pipeline process ran out of memory (heap limit ${this.options.limits.memoryMb} MB)`;
    }
    const how = signal === null ? `exited with code ${code}` : `was killed by ${signal}`;
    const tail = output
      .split("\n")
      .filter((line) => line.trim() !== "" && !line.startsWith("Node.js v"))
      .slice(-12)
      .join("\n");
    return `pipeline process ${how} unexpectedly${tail === "" ? "" : `:\n${tail}`}`;
  }
}

function spawnBare(options: PipelineChildOptions, args: string[], detached: boolean): ChildProcess {
  if (options.workspace === undefined) throw new QuireError("pipeline_no_workspace", "a pipeline child without a sandbox starts in its workspace, which is not there yet");
  return spawn(options.nodePath, args, { cwd: options.workspace, env: options.env, stdio: ["ignore", "pipe", "pipe", "ipc"], detached });
}

/**
 * The same node command line inside bubblewrap. The workspace is not mounted (the child may
 * not read it anyway), so its path travels in the environment for error texts. The IPC
 * channel is the inherited fd Node names in NODE_CHANNEL_FD, which bwrap passes through.
 */
function spawnSandboxed(options: PipelineChildOptions, sandbox: ChildSandbox, args: string[], detached: boolean): ChildProcess {
  const bwrapArgs = pipelineSandboxArgs({ nodePath: options.nodePath, bundleDir: options.bundleDir, ids: sandbox.ids });
  const { file, args: argv } = sandboxCommand(sandbox.bwrapPath, bwrapArgs, sandbox.ids, [options.nodePath, ...args]);
  const env = options.workspace === undefined ? { ...options.env } : { ...options.env, QUIRE_WORKSPACE: options.workspace };
  return spawn(file, argv, { cwd: "/", env, stdio: ["ignore", "pipe", "pipe", "ipc"], detached });
}
