import { leaseExpired } from "../run/lease.ts";
import type { Clock } from "../ports/clock-ids.ts";
import type { ContainerJanitor, ProcessJanitor, WorkspaceJanitor } from "../ports/janitors.ts";
import type { Liveness } from "../ports/liveness.ts";
import type { RunStore, SweepReport } from "../ports/storage.ts";
import type { IndexRepairReport } from "../ports/run-index.ts";
import { planTransition } from "../run/transition.ts";
import type { RunRecord } from "../types.ts";

export interface ReconcilePlan {
  orphans: RunRecord[];
  requeue: RunRecord[];
}

/**
 * Which runs were left behind. An active run is an orphan only when its lease is
 * missing, expired, or held by an owner known to be dead, so a live run of this or
 * another server is never touched.
 */
export function planReconcile(
  runs: readonly RunRecord[],
  now: string,
  liveness: Liveness,
  isRunning: (runId: string) => boolean = () => false,
): ReconcilePlan {
  const orphans: RunRecord[] = [];
  const requeue: RunRecord[] = [];
  for (const run of runs) {
    // What this process's queue is running is live whatever the disk says (a lease renewal may lag).
    if (isRunning(run.meta.run_id)) continue;
    if (run.state.status === "pending") requeue.push(run);
    if (run.state.status !== "active") continue;
    const lease = run.state.lease;
    if (leaseExpired(lease, now) || (lease !== null && !liveness.isAlive(lease.owner))) orphans.push(run);
  }
  return { orphans, requeue };
}

export interface ReconcileDeps {
  store: RunStore;
  clock: Clock;
  liveness: Liveness;
  /**
   * Hands pending runs back to the queue; absent when nothing executes runs. True when the
   * queue took it, false when it already had it (a push's own enqueue came first).
   */
  requeue?: (run: RunRecord) => boolean | void;
  /** The live queue's word on a run: running here now. Absent offline, where nothing runs. */
  isRunning?: (runId: string) => boolean;
  /** Present where runs get workspaces on this machine. */
  workspaces?: WorkspaceJanitor;
  /** Present when a container runtime is configured. */
  containers?: ContainerJanitor;
  /** Present where host commands run: kills what a dead server's runs left running. */
  processes?: ProcessJanitor;
  /** The run index: its drift from the run directories is repaired last, after every move above. */
  index?: { repair(): Promise<IndexRepairReport> };
}

export interface ReconcileReport {
  orphaned: string[];
  requeued: string[];
  containersRemoved: string[];
  processesKilled: number;
  workspacesRemoved: string[];
  sweep: SweepReport;
  index?: IndexRepairReport;
}

/** Idempotent: a second run right after the first finds nothing to do. */
export async function reconcile(deps: ReconcileDeps): Promise<ReconcileReport> {
  const sweep = await deps.store.sweep();
  const runs = [
    ...(await deps.store.listRuns({ state: "active" })),
    ...(await deps.store.listRuns({ state: "pending" })),
  ];
  const isRunning = deps.isRunning ?? (() => false);
  const plan = planReconcile(runs, deps.clock.now(), deps.liveness, isRunning);
  const orphaned: string[] = [];
  for (const run of plan.orphans) {
    const owner = run.state.lease?.owner ?? "nobody";
    const next = planTransition(
      run,
      { to: "failed", outcome: "orphaned", error: `the process running it (${owner}) is gone` },
      deps.clock.now(),
    );
    if (!next.ok) continue;
    // The owner may finish the run between our read and this move; then the move reports wrong-state and we leave it.
    const moved = await deps.store.moveRun(run.meta.repo, run.meta.run_id, "active", next.value);
    if (moved.kind === "moved") orphaned.push(run.meta.run_id);
  }
  const requeued: string[] = [];
  if (deps.requeue) {
    for (const run of plan.requeue) {
      // The listing is a moment old: a run the queue has started or finished since is not pending any more.
      const fresh = await deps.store.getRun(run.meta.repo, run.meta.run_id);
      if (fresh?.state.status !== "pending" || isRunning(run.meta.run_id)) continue;
      if (deps.requeue(fresh) !== false) requeued.push(run.meta.run_id);
    }
  }
  const stray = strayCheck(deps.store, isRunning);
  const containersRemoved = deps.containers ? await removeStrayContainers(deps.containers, stray) : [];
  const processesKilled = deps.processes ? await killStrayProcesses(deps.processes, stray) : 0;
  const workspacesRemoved = deps.workspaces ? await removeStrayWorkspaces(deps.workspaces, stray) : [];
  const index = deps.index ? await deps.index.repair() : undefined;
  return { orphaned, requeued, containersRemoved, processesKilled, workspacesRemoved, sweep, ...(index ? { index } : {}) };
}

/**
 * A run's leftovers (processes, containers, workspace) are stray when the live queue is
 * not running it and the store, read now rather than at the start, does not call it active.
 */
function strayCheck(store: RunStore, isRunning: (runId: string) => boolean): (runId: string) => Promise<boolean> {
  return async (runId) => {
    if (isRunning(runId)) return false;
    const run = await store.findRun(runId);
    return run?.state.status !== "active" && !isRunning(runId);
  };
}

async function removeStrayWorkspaces(workspaces: WorkspaceJanitor, stray: (runId: string) => Promise<boolean>): Promise<string[]> {
  const removed: string[] = [];
  for (const runId of await workspaces.listRuns()) {
    if (!(await stray(runId))) continue;
    await workspaces.remove(runId);
    removed.push(runId);
  }
  return removed;
}

/** Processes of a run that is not active were started by a server that is gone. */
async function killStrayProcesses(processes: ProcessJanitor, stray: (runId: string) => Promise<boolean>): Promise<number> {
  let killed = 0;
  for (const runId of await processes.listRuns()) {
    if (!(await stray(runId))) continue;
    killed += await processes.killRun(runId);
  }
  return killed;
}

/** A container whose run is not active (finished, orphaned, unknown) has no one to tear it down. */
async function removeStrayContainers(containers: ContainerJanitor, stray: (runId: string) => Promise<boolean>): Promise<string[]> {
  const removed: string[] = [];
  for (const { containerId, runId } of await containers.listRunContainers()) {
    if (!(await stray(runId))) continue;
    await containers.remove(containerId);
    removed.push(containerId);
  }
  return removed;
}
