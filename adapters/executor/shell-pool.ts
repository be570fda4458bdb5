/**
 * A run's idle spawner slots (shell-slot.ts): one is opened ahead of the first command, and
 * more only while that many commands run at once. A retired slot is closed, never reused.
 */
import type { ShellSlot } from "./shell-slot.ts";

/** Idle slots kept for the next commands. */
const MAX_IDLE = 4;

export class ShellPool {
  readonly #idle: ShellSlot[] = [];
  /** The slot warm() opens, for the first command to take. */
  #warming: Promise<ShellSlot> | undefined;
  #closed = false;

  constructor(private readonly open: () => Promise<ShellSlot>) {}

  /** Opens a slot ahead of the first command; resolves once it is up (the sandbox with it). */
  warm(): Promise<void> {
    this.#warming ??= this.open();
    return this.#warming.then(() => undefined);
  }

  async take(): Promise<ShellSlot> {
    const warming = this.#warming;
    this.#warming = undefined;
    const warmed = await warming?.catch(() => undefined);
    if (warmed !== undefined && !warmed.retired) return warmed;
    warmed?.close();
    for (let slot = this.#idle.pop(); slot !== undefined; slot = this.#idle.pop()) {
      if (!slot.retired) return slot;
      slot.close();
    }
    return this.open();
  }

  giveBack(slot: ShellSlot): void {
    if (slot.retired || this.#closed || this.#idle.length >= MAX_IDLE) slot.close();
    else this.#idle.push(slot);
  }

  close(): void {
    this.#closed = true;
    void this.#warming?.then((slot) => slot.close(), () => undefined);
    for (const slot of this.#idle.splice(0)) slot.close();
  }
}
