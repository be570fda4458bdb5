/**
 * A host run's executor session inside its own sandbox (see host-sandbox.ts). The cwd is
 * checked here, on the server, against the workspace's real path, which the sandbox mounts
 * at the same path; the rest happens in the helper.
 */
import { performance } from "node:perf_hooks";
import { QuireError } from "../../core/errors.ts";
import type { ExecRequest, ExecResult, ExecSession, OutputSink } from "../../core/ports/exec.ts";
import { EXIT_CANNOT_RUN } from "./host-process.ts";
import { Cancel } from "./cancel.ts";
import type { RunSandbox } from "./host-sandbox.ts";
import { resolveCwd } from "./workspace-cwd.ts";

export interface SandboxSessionSettings {
  root: string;
  /** The environment every command starts from; the job's own env is laid over it. */
  baseEnv: Record<string, string>;
  graceMs: number;
  drainIdleMs: number;
}

export class SandboxSession implements ExecSession {
  /** Commands in flight, each with its way to stop. */
  readonly #running = new Map<Promise<unknown>, () => void>();
  #closing: Promise<void> | undefined;

  constructor(
    private readonly sandbox: RunSandbox,
    private readonly settings: SandboxSessionSettings,
  ) {}

  async exec(request: ExecRequest, sink: OutputSink): Promise<ExecResult> {
    if (this.#closing) throw new QuireError("session_closed", "the host session was already closed");
    const started = performance.now();
    const { root, baseEnv, graceMs, drainIdleMs } = this.settings;
    // The workspace itself needs no look: its real path was taken when the session opened, and a
    // job cannot swap a bind mount's path for a link. Two file-system round trips a call saved.
    const cwd = request.cwd === "." || request.cwd === "" ? ({ ok: true, value: root } as const) : await resolveCwd(root, request.cwd);
    if (!cwd.ok) {
      await sink.write("stderr", new TextEncoder().encode(`quire: ${cwd.error}\n`));
      return { exit: EXIT_CANNOT_RUN, duration_ms: Math.round(performance.now() - started), reason: "exited" };
    }
    // Closing the session cancels what still runs, as the docker executor's teardown does.
    const cancel = new Cancel();
    const forward = () => cancel.abort();
    if (request.signal.aborted) cancel.abort();
    else request.signal.addEventListener("abort", forward, { once: true });
    const command = { argv: request.argv, cwd: cwd.value, env: { ...baseEnv, ...request.env }, timeoutMs: request.timeoutMs, graceMs, drainIdleMs };
    const run = this.sandbox.exec(command, cancel, sink);
    this.#running.set(run, forward);
    try {
      return await run;
    } finally {
      this.#running.delete(run);
      request.signal.removeEventListener("abort", forward);
    }
  }

  close(): Promise<void> {
    this.#closing ??= this.#teardown();
    return this.#closing;
  }

  async #teardown(): Promise<void> {
    for (const stop of this.#running.values()) stop();
    await Promise.allSettled(this.#running.keys());
    await this.sandbox.close();
  }
}
