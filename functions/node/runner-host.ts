import { PgListener } from "../../adapters/postgres/pg-listener.ts";
import { RUNS_CHANNEL, STOP_CHANNEL } from "../../adapters/postgres/pg-run-claims.ts";
import { LEASE_TTL_MS } from "../../core/run/lease.ts";
import type { RunEventListener } from "../../core/pipeline/run-events.ts";
import { reconcile } from "../../core/maintenance/reconcile.ts";
import type { PostgresHomeDeps } from "./home-deps.ts";
import { ClaimLoop } from "./runner-claim-loop.ts";
import { createRunner, type Runner } from "./runner.ts";

export interface RunnerHost {
  runner: Runner;
  loop: ClaimLoop;
  stop(): Promise<void>;
}

/** Lease-expiry reconcile this often, so a lost runner's run is orphaned within one lease period. */
export const LEASE_CHECK_MS = LEASE_TTL_MS / 3;

/**
 * A runner on the shared queue: the same run queue, executor and sandbox as the
 * all-in-one server, fed by claims from PostgreSQL instead of the server's intake.
 * Sources come from `source.clone_url` when set, else from this home's bare repos
 * (wire-execution.ts decides). The caller probes the sandbox before wiring the home:
 * no sandbox, no runner (unless `sandbox: off`).
 */
export async function startRunnerHost(
  deps: PostgresHomeDeps,
  options: { onEvent?: RunEventListener; pollMs?: number } = {},
): Promise<RunnerHost> {
  let loop: ClaimLoop | undefined;
  const { claims, db } = deps.backend;
  const runner = createRunner(deps, {
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    // A slot is free once the queue has let go of the run: after the current microtasks.
    onSettled: () => setImmediate(() => loop?.wake()),
  });
  loop = new ClaimLoop({
    queue: runner.queue,
    claims,
    owner: deps.liveness.self,
    concurrency: deps.config.concurrency,
    logger: deps.logger,
    claimTtlMs: LEASE_TTL_MS,
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
  });
  const claimLoop = loop;
  const listener = new PgListener(
    db.url,
    [RUNS_CHANNEL, STOP_CHANNEL],
    (channel) => (channel === STOP_CHANNEL ? void claimLoop.checkStops() : claimLoop.wake()),
    deps.logger,
  );
  await listener.start();
  // Every janitor of the home, but no index repair: the server keeps the index.
  const { store, clock, liveness, janitors } = deps;
  const checkLeases = () =>
    reconcile({ store, clock, liveness, ...janitors, isRunning: (runId) => runner.queue.isRunning(runId) }).then(
      (report) => {
        if (report.orphaned.length > 0 || report.processesKilled > 0) deps.logger.info({ ...report }, "reconciled leases");
      },
      (error: unknown) => deps.logger.warn({ err: error }, "lease check failed"),
    );
  // A runner restarted on the same home first ends what its previous life left running.
  await checkLeases();
  const leaseCheck = setInterval(() => void checkLeases(), LEASE_CHECK_MS);
  leaseCheck.unref();
  claimLoop.wake();
  return {
    runner,
    loop: claimLoop,
    async stop() {
      clearInterval(leaseCheck);
      claimLoop.stop();
      await listener.close();
      await runner.stop();
    },
  };
}
