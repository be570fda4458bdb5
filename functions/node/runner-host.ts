import { join } from "node:path";
import { PgListener } from "../../adapters/postgres/pg-listener.ts";
import { RUNS_CHANNEL, STOP_CHANNEL } from "../../adapters/postgres/pg-run-claims.ts";
import { FetchWorkspaces } from "../../adapters/workspace/fetch-workspaces.ts";
import { LEASE_TTL_MS } from "../../core/run/lease.ts";
import type { RunEventListener } from "../../core/pipeline/run-events.ts";
import { reconcile } from "../../core/maintenance/reconcile.ts";
import type { QuireConfig } from "./config.ts";
import type { Home } from "./home.ts";
import { ClaimLoop } from "./runner-claim-loop.ts";
import { createRunner, type Runner } from "./runner.ts";
import { sandboxSetup } from "./sandbox-setup.ts";
import type { PostgresDeps } from "./wire-postgres.ts";

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
 * Sources come from `source.clone_url` when set, else from this home's bare repos.
 */
export async function startRunnerHost(
  home: Home,
  config: QuireConfig,
  base: PostgresDeps,
  options: { onEvent?: RunEventListener; pollMs?: number } = {},
): Promise<RunnerHost> {
  let loop: ClaimLoop | undefined;
  const cloneUrl = config.source.clone_url;
  // No sandbox, no runner (unless `sandbox: off`): said once at start, before any claim.
  const sandbox = await sandboxSetup(config);
  const runner = createRunner(home, config, base, {
    ...(sandbox === undefined ? {} : { sandbox }),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(cloneUrl === undefined
      ? {}
      : { workspaces: new FetchWorkspaces({ cloneUrl, cacheRoot: join(home.root, "cache"), root: home.workspaces, keep: config.keep_workspaces }) }),
    // A slot is free once the queue has let go of the run: after the current microtasks.
    onSettled: () => setImmediate(() => loop?.wake()),
  });
  loop = new ClaimLoop({
    queue: runner.queue,
    claims: base.claims,
    owner: base.liveness.self,
    concurrency: config.concurrency,
    logger: base.logger,
    claimTtlMs: LEASE_TTL_MS,
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
  });
  const claimLoop = loop;
  const listener = new PgListener(
    base.db.url,
    [RUNS_CHANNEL, STOP_CHANNEL],
    (channel) => (channel === STOP_CHANNEL ? void claimLoop.checkStops() : claimLoop.wake()),
    base.logger,
  );
  await listener.start();
  const checkLeases = () =>
    reconcile({
      store: base.store,
      clock: base.clock,
      liveness: base.liveness,
      processes: runner.processes,
      workspaces: runner.workspaces,
      isRunning: (runId) => runner.queue.isRunning(runId),
      ...(runner.containers ? { containers: runner.containers } : {}),
    }).then(
      (report) => {
        if (report.orphaned.length > 0 || report.processesKilled > 0) base.logger.info({ ...report }, "reconciled leases");
      },
      (error: unknown) => base.logger.warn({ err: error }, "lease check failed"),
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
