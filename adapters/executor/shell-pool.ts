/**
 * The helper's way to run a command: through an idle spawner slot (shell-slot.ts) when the
 * command can be said as a shell line, else through Node's spawn (host-process.ts). Both
 * give the same outcome for the same command; the slot only starts it cheaper.
 */
import type { OutputSink } from "../../core/ports/exec.ts";
import { EXIT_KILLED, EXIT_NOT_FOUND, runHostCommand, type HostCommand, type HostOutcome } from "./host-process.ts";
import { planLine } from "./shell-line.ts";
import { ShellSlot, SlotUnusable } from "./shell-slot.ts";

/** Idle slots kept for the next commands; more run at once only while that many commands do. */
const MAX_IDLE = 4;

export class ShellPool {
  readonly #idle: ShellSlot[] = [];
  /** The slot warm() opens, for the first command to take. */
  #warming: Promise<ShellSlot | undefined> | undefined;
  /** No shell or no mkfifo in the sandbox: every command is spawned. */
  #unavailable = false;
  #closed = false;

  /** Opens a slot ahead of the first command, so it does not wait for one. */
  warm(): void {
    this.#warming ??= this.#open();
  }

  async run(cmd: HostCommand, sink: OutputSink): Promise<HostOutcome> {
    if (cmd.signal.aborted) return { exit: EXIT_KILLED, duration_ms: 0, reason: "cancelled" };
    const slot = await this.#take();
    if (slot === undefined) return runHostCommand(cmd, sink);
    if (cmd.signal.aborted) {
      this.#giveBack(slot);
      return { exit: EXIT_KILLED, duration_ms: 0, reason: "cancelled" };
    }
    try {
      const plan = planLine(cmd, slot.fifos);
      if (plan.kind === "unsuited") return await runHostCommand(cmd, sink);
      if (plan.kind === "not-found") {
        await sink.write("stderr", new TextEncoder().encode(`quire: ${plan.program}: command not found\n`));
        return { exit: EXIT_NOT_FOUND, duration_ms: 0, reason: "exited" };
      }
      try {
        return await slot.run({ ...cmd, line: plan.line }, sink);
      } catch (error) {
        if (error instanceof SlotUnusable) return await runHostCommand(cmd, sink);
        throw error;
      }
    } finally {
      this.#giveBack(slot);
    }
  }

  close(): void {
    this.#closed = true;
    void this.#warming?.then((slot) => slot?.close());
    for (const slot of this.#idle.splice(0)) slot.close();
  }

  async #take(): Promise<ShellSlot | undefined> {
    const warming = this.#warming;
    this.#warming = undefined;
    const warmed = await warming;
    if (warmed !== undefined && !warmed.retired) return warmed;
    for (let slot = this.#idle.pop(); slot !== undefined; slot = this.#idle.pop()) {
      if (!slot.retired) return slot;
      slot.close();
    }
    return this.#open();
  }

  async #open(): Promise<ShellSlot | undefined> {
    if (this.#unavailable || this.#closed) return undefined;
    const slot = await ShellSlot.open();
    if (slot === undefined) this.#unavailable = true;
    return slot;
  }

  #giveBack(slot: ShellSlot): void {
    if (slot.retired || this.#closed || this.#idle.length >= MAX_IDLE) slot.close();
    else this.#idle.push(slot);
  }
}
