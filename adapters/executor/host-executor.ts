import { realpath, stat } from "node:fs/promises";
import { delimiter, dirname } from "node:path";
import { performance } from "node:perf_hooks";
import { QuireError } from "../../core/errors.ts";
import type { ExecContext, ExecOpenError, ExecRequest, ExecResult, ExecSession, Executor, OutputSink, ProcessTracker } from "../../core/ports/exec.ts";
import { err, ok, type Result } from "../../core/result.ts";
import { EXIT_CANNOT_RUN, hasLeftovers, runHostCommand } from "./host-process.ts";
import { RunSandbox, type RunSandboxOptions } from "./host-sandbox.ts";
import { SandboxSession } from "./host-sandbox-session.ts";
import { hiddenPaths } from "./hidden-paths.ts";
import { giveWorkspaceTo } from "./workspace-owner.ts";
import { killTree } from "./process-tree.ts";
import { resolveCwd } from "./workspace-cwd.ts";

export interface HostExecutorOptions {
  /** Between SIGTERM and SIGKILL; defaults to 2 s. */
  killGraceMs?: number;
  /** Silence on the pipes after a command exited before reading stops; defaults to 200 ms. */
  drainIdleMs?: number;
  /** One bubblewrap sandbox per run; undefined only with `sandbox: off` (commands run as the server's user). */
  sandbox?: HostSandboxSetup;
}

export interface HostSandboxSetup extends Omit<RunSandboxOptions, "hide"> {
  /** Host paths jobs must not see even where a system directory is mounted: the quire home, secret files. */
  hide: readonly string[];
}

/**
 * Where a job finds programs when it sets no PATH of its own. Node's directory is
 * first so `node` and `npm` are the server's, even when those live outside /usr/bin.
 */
const DEFAULT_PATH = [
  ...new Set([dirname(process.execPath), "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]),
].join(delimiter);

/**
 * Runs commands on this machine, in the run's workspace, with only the env the job gave:
 * inside one sandbox per run, or (`sandbox: off`) straight as the server's user.
 */
export class HostExecutor implements Executor {
  readonly kind = "host";

  constructor(private readonly options: HostExecutorOptions = {}) {}

  async open(context: ExecContext): Promise<Result<ExecSession, ExecOpenError>> {
    let root: string;
    try {
      root = await realpath(context.workspace);
      if (!(await stat(root)).isDirectory()) throw new Error("not a directory");
    } catch (error) {
      return err({ code: "executor_unavailable", message: `workspace ${context.workspace} is unusable: ${String(error)}` });
    }
    const graceMs = this.options.killGraceMs ?? 2_000;
    const drainIdleMs = this.options.drainIdleMs ?? 200;
    const setup = this.options.sandbox;
    if (setup !== undefined) {
      this.hidden ??= hiddenPaths(setup.hide);
      const hide = await this.hidden;
      if (setup.user) {
        try {
          await giveWorkspaceTo(root, setup.user);
        } catch (error) {
          return err({ code: "executor_unavailable", message: `workspace could not be handed to uid ${setup.user.uid}: ${String(error)}` });
        }
      }
      // Not awaited: the sandbox comes up while the pipeline loads; the first command waits for it.
      let sandbox: RunSandbox;
      try {
        sandbox = new RunSandbox({ ...setup, hide }, root);
      } catch (error) {
        return err({ code: "executor_unavailable", message: `the run's sandbox could not be prepared: ${String(error)}` });
      }
      return ok(new SandboxSession(sandbox, { root, baseEnv: { PATH: DEFAULT_PATH, HOME: root }, graceMs, drainIdleMs }));
    }
    const tracker = context.processes ?? { started: async () => {}, ended: async () => {} };
    return ok(new HostSession(root, tracker, graceMs, drainIdleMs));
  }

  private hidden: Promise<{ path: string; directory: boolean }[]> | undefined;
}

export const createHostExecutor = (options: HostExecutorOptions = {}): Executor => new HostExecutor(options);

class HostSession implements ExecSession {
  /** Commands in flight, each with its way to stop. */
  private readonly running = new Map<Promise<unknown>, () => void>();
  /** Leaders whose background children outlived the command, with their forkMark; close() ends them. */
  private readonly leftovers = new Map<number, number | undefined>();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly root: string,
    private readonly tracker: ProcessTracker,
    private readonly graceMs: number,
    private readonly drainIdleMs: number,
  ) {}

  async exec(request: ExecRequest, sink: OutputSink): Promise<ExecResult> {
    if (this.closing) throw new QuireError("session_closed", "the host session was already closed");
    const started = performance.now();
    const cwd = await resolveCwd(this.root, request.cwd);
    if (!cwd.ok) {
      await sink.write("stderr", new TextEncoder().encode(`quire: ${cwd.error}\n`));
      return { exit: EXIT_CANNOT_RUN, duration_ms: Math.round(performance.now() - started), reason: "exited" };
    }
    // Closing the session cancels what still runs, as the docker executor's teardown does.
    const cancel = new AbortController();
    const signal = AbortSignal.any([request.signal, cancel.signal]);
    let registered: Promise<void> = Promise.resolve();
    let spawned: number | undefined;
    const run = runHostCommand(
      {
        argv: request.argv,
        cwd: cwd.value,
        env: { PATH: DEFAULT_PATH, HOME: this.root, ...request.env },
        timeoutMs: request.timeoutMs,
        signal,
        graceMs: this.graceMs,
        drainIdleMs: this.drainIdleMs,
        onSpawn: (leader) => {
          spawned = leader;
          registered = this.tracker.started(leader);
        },
      },
      sink,
    );
    this.running.set(run, () => cancel.abort());
    try {
      const outcome = await run.finally(() => registered);
      if (spawned !== undefined) {
        if (await hasLeftovers(spawned, outcome.forksBefore)) this.leftovers.set(spawned, outcome.forksBefore);
        else await this.tracker.ended(spawned);
      }
      return { exit: outcome.exit, duration_ms: outcome.duration_ms, reason: outcome.reason };
    } catch (error) {
      // The tree was killed on the way out (see runHostCommand); nothing is left to track.
      if (spawned !== undefined) await this.tracker.ended(spawned).catch(() => undefined);
      throw error;
    } finally {
      this.running.delete(run);
    }
  }

  close(): Promise<void> {
    this.closing ??= this.teardown();
    return this.closing;
  }

  private async teardown(): Promise<void> {
    for (const stop of this.running.values()) stop();
    await Promise.allSettled(this.running.keys());
    await Promise.all(
      [...this.leftovers].map(async ([leader, forksBefore]) => {
        await killTree(leader, this.graceMs, forksBefore);
        await this.tracker.ended(leader);
      }),
    );
    this.leftovers.clear();
  }
}
