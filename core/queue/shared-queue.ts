import type { Clock } from "../ports/clock-ids.ts";
import type { RunStore } from "../ports/storage.ts";
import { RunHandle } from "../run/run-handle.ts";
import type { CancelResult } from "./run-queue.ts";
import type { StopReason } from "../run/stop-reason.ts";
import type { RunRecord } from "../types.ts";
import type { StopRequests } from "../ports/stop-requests.ts";

export interface SharedQueueDeps {
  store: RunStore;
  clock: Clock;
  stops: StopRequests;
}

const describe = (run: RunRecord) => `${run.meta.repo}#${run.meta.number} (${run.meta.run_id})`;

/**
 * The server's side of a queue that runners on other hosts drain: it never executes a
 * run, it only decides. Pending runs are ended with one conditional move; active ones
 * are asked to stop through `stops`, and their runner ends them with that outcome.
 */
export class SharedQueue {
  constructor(private readonly deps: SharedQueueDeps) {}

  async cancel(run: RunRecord): Promise<CancelResult> {
    const current = (await this.deps.store.getRun(run.meta.repo, run.meta.run_id)) ?? run;
    if (current.state.status === "pending") {
      const moved = await new RunHandle(this.deps.store, this.deps.clock, current).move({
        to: "failed",
        outcome: "cancelled",
        error: "cancelled by request before it started",
      });
      if (moved.ok) return { kind: "cancelled", run: moved.value };
    }
    // Pending a moment ago but claimed since: it is active now, so it is asked to stop.
    const now = (await this.deps.store.getRun(run.meta.repo, run.meta.run_id)) ?? current;
    if (now.state.status === "active" && (await this.deps.stops.request(now, { kind: "cancelled", message: "cancelled by request" }))) {
      return { kind: "stopping", run: now };
    }
    return { kind: "not-cancellable", message: `run ${run.meta.run_id} is ${now.state.status}` };
  }

  /**
   * A newer push to the same repo and ref supersedes older runs: pending ones end at
   * once, active ones are asked to stop. A run that arrives after a newer one of its
   * ref is itself superseded.
   */
  async supersede(run: RunRecord): Promise<void> {
    const { repo, ref, run_id } = run.meta;
    const peers = [
      ...(await this.deps.store.listRuns({ repo, state: "pending" })),
      ...(await this.deps.store.listRuns({ repo, state: "active" })),
    ].filter((other) => other.meta.ref === ref && other.meta.run_id !== run_id);
    const newer = peers.find((other) => other.meta.run_id > run_id);
    if (newer) {
      await this.end(run, newer);
      return;
    }
    for (const older of peers) await this.end(older, run);
  }

  private async end(run: RunRecord, by: RunRecord): Promise<void> {
    if (run.state.status === "pending") {
      const moved = await new RunHandle(this.deps.store, this.deps.clock, run).move({
        to: "failed",
        outcome: "superseded",
        error: `superseded by ${describe(by)} before it started`,
      });
      if (moved.ok) return;
    }
    const now = await this.deps.store.getRun(run.meta.repo, run.meta.run_id);
    if (now?.state.status === "active") {
      await this.deps.stops.request(now, { kind: "superseded", message: `superseded by ${describe(by)}` });
    }
  }
}
