import type { Clock } from "../ports/clock-ids.ts";
import type { RunStore } from "../ports/storage.ts";
import { err, ok, type Result } from "../result.ts";
import { planTransition, type TransitionError, type TransitionTarget } from "./transition.ts";
import type { RunRecord, RunStateRecord } from "../types.ts";

/**
 * The one writer of a run's state inside this process. Updates (last_job, lease
 * renewals) and moves are serialised, so a heartbeat never overwrites a transition.
 */
export class RunHandle {
  private current: RunRecord;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: RunStore, private readonly clock: Clock, record: RunRecord) {
    this.current = record;
  }

  get record(): RunRecord {
    return this.current;
  }

  /** Rewrites state.yml in place; a run that has left this state is left alone. */
  update(patch: Partial<Omit<RunStateRecord, "status">>): Promise<boolean> {
    return this.serial(async () => {
      const next = { ...this.current.state, ...patch };
      const result = await this.store.updateState(this.current.meta.repo, this.current.meta.run_id, next);
      if (result.kind !== "moved") return false;
      this.current = result.record;
      return true;
    });
  }

  move(target: TransitionTarget): Promise<Result<RunRecord, TransitionError | { code: "moved_elsewhere"; message: string }>> {
    return this.serial(async () => {
      const next = planTransition(this.current, target, this.clock.now());
      if (!next.ok) return next;
      const { repo, run_id } = this.current.meta;
      const result = await this.store.moveRun(repo, run_id, this.current.state.status, next.value);
      if (result.kind !== "moved") {
        return err({ code: "moved_elsewhere" as const, message: `run ${run_id} is no longer ${this.current.state.status}` });
      }
      this.current = result.record;
      return ok(result.record);
    });
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work, work);
    this.chain = next.catch(() => undefined);
    return next;
  }
}
