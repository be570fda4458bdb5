/**
 * One sandboxed pipeline child booted ahead of the next run. Node's start is the longest step
 * between a push and its first job, and a sandboxed child needs nothing of a run to boot; the
 * run that takes it binds it to its own wall clock, signal and process tracker (adopt).
 */
import { rm } from "node:fs/promises";
import type { PipelineLimits, PipelineStartInput } from "../../core/ports/pipeline-runtime.ts";
import type { PipelineChild } from "./pipeline-child.ts";

/** A child and the directory its bundle goes to. */
export interface Started {
  child: PipelineChild;
  dir: string;
  /** Drops the removal at server exit, once the directory is gone. */
  forget: () => void;
}

export interface SpareSlotDeps {
  /** Starts a spare: a child that waits for no run (PipelineChildOptions.spare). */
  spawn(limits: PipelineLimits): Promise<Started>;
  /** Kills a child no run will use and removes its directory. */
  discard(started: Started, why: string): Promise<void>;
}

export class SpareSlot {
  #entry: { memoryMb: number; started: Promise<Started> } | undefined;

  constructor(private readonly deps: SpareSlotDeps) {}

  /** Boots a spare for runs with these limits, unless one is there. */
  fill(limits: PipelineLimits): void {
    if (this.#entry !== undefined) return;
    const entry = { memoryMb: limits.memoryMb, started: this.deps.spawn(limits) };
    this.#entry = entry;
    entry.started.then(
      (started) =>
        started.child.onDeath(() => {
          // Once a run has taken it, the run cleans up after it.
          if (this.#entry !== entry) return;
          this.#entry = undefined;
          started.forget();
          void rm(started.dir, { recursive: true, force: true }).catch(() => undefined);
        }),
      () => {
        if (this.#entry === entry) this.#entry = undefined;
      },
    );
  }

  /**
   * The spare, bound to this run; undefined when there is none it could use (its heap limit,
   * fixed at its start, is not the run's). One that died while waiting is replaced by `cold`.
   */
  take(input: PipelineStartInput, cold: () => Promise<Started>): Promise<Started> | undefined {
    const entry = this.#entry;
    if (entry === undefined) return undefined;
    this.#entry = undefined;
    if (entry.memoryMb !== input.limits.memoryMb) {
      void entry.started.then((started) => this.deps.discard(started, "the heap limit changed"), () => undefined);
      return undefined;
    }
    return entry.started.then(
      (started) => {
        if (started.child.gone === undefined) {
          started.child.adopt(input);
          return started;
        }
        void this.deps.discard(started, "it died while waiting");
        return cold();
      },
      cold,
    );
  }
}
