/**
 * The cancellation of one sandboxed command, shared by the session, the sandbox and the slot.
 * An AbortController would do, but costs an EventTarget, a signal and a listener record per
 * call, a visible share of the server's CPU per `sh` (see docs/architecture.md, "Host exec cost").
 */
export class Cancel {
  aborted = false;
  #listener: (() => void) | undefined;

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.();
  }

  /** The one listener (undefined: none); called at once when already aborted. */
  onAbort(listener: (() => void) | undefined): void {
    this.#listener = this.aborted ? undefined : listener;
    if (this.aborted) listener?.();
  }
}
