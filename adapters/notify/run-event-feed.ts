import { eventsSoFar } from "../../core/notify/run-status.ts";
import type { Logger } from "../../core/ports/logger.ts";
import type { RunRecord } from "../../core/types.ts";
import type { RunObserver } from "./observed-run-store.ts";

export interface RunEventFeedDeps {
  find(runId: string): Promise<RunRecord | undefined>;
  observe: RunObserver;
  logger: Logger;
}

/** Runs whose last reported status is remembered; beyond this the oldest is forgotten (and at worst re-read). */
const REMEMBERED = 10_000;

/**
 * Run events for a server that does not make every transition itself (PostgreSQL: runners
 * on other hosts start and finish runs). Told that a run changed, it reads the run and
 * reports every event its state implies; heartbeats and repeats, which change no status,
 * report nothing.
 */
export class RunEventFeed {
  private readonly reported = new Map<string, string>();
  private readonly busy = new Map<string, Promise<void>>();

  constructor(private readonly deps: RunEventFeedDeps) {}

  /** Reports what a run reached, read from the store; calls for one run are handled one at a time. */
  changed(runId: string): Promise<void> {
    const before = this.busy.get(runId) ?? Promise.resolve();
    const next = before.then(() => this.read(runId));
    this.busy.set(runId, next);
    void next.finally(() => {
      if (this.busy.get(runId) === next) this.busy.delete(runId);
    });
    return next;
  }

  private async read(runId: string): Promise<void> {
    try {
      const run = await this.deps.find(runId);
      if (!run || this.reported.get(runId) === run.state.status) return;
      this.reported.delete(runId);
      this.reported.set(runId, run.state.status);
      if (this.reported.size > REMEMBERED) this.reported.delete(this.reported.keys().next().value as string);
      for (const event of eventsSoFar(run)) this.deps.observe(event, run);
    } catch (error) {
      this.deps.logger.warn({ err: error, run_id: runId }, "could not read a changed run for its notifications");
    }
  }
}
