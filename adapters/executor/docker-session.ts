import { setTimeout as sleep } from "node:timers/promises";
import { ContainerError } from "../../core/errors.ts";
import type { ExecRequest, ExecResult, ExecSession, OutputSink } from "../../core/ports/exec.ts";
import type { DockerCli } from "./docker-cli.ts";
import { runApiExec } from "./docker-exec-api.ts";
import { runDockerExec } from "./docker-exec-process.ts";
import { forceRemove } from "./docker-container.ts";

/**
 * One run's container. A container that dies under a command is broken infrastructure,
 * not a failed command: exec throws ContainerError `container_died` (then and on every
 * later call), so the runner marks the run errored instead of blaming the job.
 */
export class DockerSession implements ExecSession {
  private execs = 0;
  private closing: Promise<void> | undefined;
  private died: string | undefined;

  constructor(
    private readonly cli: DockerCli,
    readonly containerId: string,
    private readonly onStopped: () => Promise<void>,
    /** exec-mux is mounted in the container (see docker-exec-script.ts). */
    private readonly muxed = false,
  ) {}

  async exec(request: ExecRequest, sink: OutputSink): Promise<ExecResult> {
    if (this.closing) throw new ContainerError("session_closed", `container ${this.short} was already torn down`);
    if (this.died) throw new ContainerError("container_died", this.died);
    this.execs += 1;
    const execId = `exec-${this.execs}`;
    // The engine API when there is one (measured faster, and no client process at all); else the CLI.
    const outcome = this.cli.api
      ? await runApiExec(this.cli.api, this.containerId, execId, request, sink, this.muxed)
      : await runDockerExec({ cli: this.cli, containerId: this.containerId, muxed: this.muxed }, execId, request, sink);
    const result: ExecResult = { exit: outcome.exit, duration_ms: outcome.duration_ms, reason: outcome.reason };
    // Torn down under the command (cancel of the whole run, server stopping): that was a kill, not a death.
    if (this.closing) return { ...result, reason: result.reason === "exited" ? "cancelled" : result.reason };
    if (outcome.suspicious) {
      const death = await this.deathNote(outcome.exit >= 128);
      if (death) {
        this.died = death;
        throw new ContainerError("container_died", death);
      }
    }
    return result;
  }

  close(): Promise<void> {
    this.closing ??= this.teardown().catch((error: unknown) => {
      this.closing = undefined; // let a later close try again
      throw error;
    });
    return this.closing;
  }

  private get short(): string {
    return this.containerId.slice(0, 12);
  }

  /**
   * Why the container is not running any more, or undefined while it is. A container
   * killed under a command can still read as running for a moment after the command's
   * own exit arrives, so a command that died of a signal gets a few looks.
   */
  private async deathNote(killed: boolean): Promise<string | undefined> {
    for (let look = 0; look < (killed ? 4 : 1); look++) {
      if (look > 0) await sleep(100);
      const state = await this.cli.run(
        ["inspect", "--format", "{{.State.Running}} {{.State.ExitCode}} {{.State.OOMKilled}}", this.containerId],
        { timeoutMs: 10_000 },
      );
      if (!state.ok) return `container ${this.short} is gone: ${state.error.message}`;
      const [running, exitCode, oom] = state.value.trim().split(" ");
      if (running === "true") continue;
      const why = oom === "true" ? "killed for running out of memory" : `exit code ${exitCode ?? "?"}`;
      return `container ${this.short} stopped while a command ran (${why})`;
    }
    return undefined;
  }

  private async teardown(): Promise<void> {
    await forceRemove(this.cli, this.containerId);
    await this.onStopped();
  }
}
