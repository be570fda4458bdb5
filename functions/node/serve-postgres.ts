import { serve as serveHttp } from "@hono/node-server";
import { Cron } from "croner";
import { rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { writeFileAtomic } from "../../adapters/storage/atomic-write.ts";
import { reconcile } from "../../core/maintenance/reconcile.ts";
import { SharedQueue } from "../../core/queue/shared-queue.ts";
import type { RunRecord } from "../../core/types.ts";
import { PgListener } from "../../adapters/postgres/pg-listener.ts";
import { LOG_CHANNEL } from "../../adapters/postgres/pg-log-sink.ts";
import { RUN_CHANNEL } from "../../adapters/postgres/pg-run-store.ts";
import { RunChanges } from "./run-changes.ts";
import { createApp } from "../app.ts";
import type { AppDeps } from "../app-deps.ts";
import { LiveRuns } from "../ui/live-runs.ts";
import type { QuireConfig } from "./config.ts";
import { reconcileCron } from "./cron-schedule.ts";
import type { Home } from "./home.ts";
import { LEASE_CHECK_MS, startRunnerHost, type RunnerHost } from "./runner-host.ts";
import { spoolDelivery } from "./spool-delivery.ts";
import { reconcileDepsOf } from "./home-deps.ts";
import { sandboxSetup } from "./sandbox-setup.ts";
import { wireSharedHome } from "./wire-home.ts";
import { wireNotify, type NotifyWiring } from "./notify-wiring.ts";
import { RunEventFeed } from "../../adapters/notify/run-event-feed.ts";
import { runsToRecheck } from "../../adapters/postgres/pg-recent-runs.ts";

/** How far back a start looks for runs that finished while no server listened. */
const RECHECK_FINISHED_MS = 24 * 3_600_000;

export interface ServePostgresOptions {
  home: Home;
  port: number;
  host: string;
  /** false for `--no-runner`: intake, API and reconcile only; runners elsewhere execute. */
  runner: boolean;
}

/**
 * `quire serve` over PostgreSQL. Intake writes pending runs and wakes the runners; the
 * queue is the runs table, so this server's own runner (unless `--no-runner`) claims
 * like any other. Cancel and supersede reach whichever runner holds a run.
 */
export async function servePostgres(
  options: ServePostgresOptions,
  config: QuireConfig,
  http: { publicUrl?: string; web: AppDeps["web"] },
): Promise<{ url: string; publicUrl?: string; close: () => Promise<void> }> {
  const { home } = options;
  // Only a server that runs runs needs bubblewrap: probed before anything is wired.
  const sandbox = options.runner ? await sandboxSetup(config) : undefined;
  const base = await wireSharedHome(home, config, { role: "serve", ...(sandbox === undefined ? {} : { sandbox }) });
  const { db, claims } = base.backend;
  let host: RunnerHost | undefined;
  let notify: NotifyWiring | undefined;
  try {
    notify = await wireNotify(home, config, base, http.publicUrl);
    host = options.runner ? await startRunnerHost(base) : undefined;
  } catch (error) {
    await notify?.stop();
    await base.close();
    throw error;
  }
  const notifier = notify;
  // Any host may start or finish a run: this server reports what the database says happened.
  const feed = new RunEventFeed({ find: (runId) => base.store.findRun(runId), observe: notifier.onRun, logger: base.logger });
  const recheck = async (sinceMs: number) => {
    try {
      for (const runId of await runsToRecheck(db, new Date(Date.parse(base.clock.now()) - sinceMs).toISOString())) await feed.changed(runId);
    } catch (error) {
      base.logger.warn({ err: error }, "could not look for runs to report; the next pass will");
    }
  };
  const runnerHost = host;
  const shared = new SharedQueue({ store: base.store, clock: base.clock, stops: claims });
  const afterCreate = async (runs: RunRecord[]) => {
    runs.forEach((run) => void feed.changed(run.meta.run_id));
    try {
      for (const run of runs) await shared.supersede(run);
      await claims.wake();
    } catch (error) {
      base.logger.warn({ err: error }, "supersede or wake after intake failed; runners still poll");
    }
    runnerHost?.loop.wake();
  };
  const spool = spoolDelivery({ home, intake: base, afterCreate: (runs) => void afterCreate(runs), logger: base.logger });
  // Live tails wake on PostgreSQL notifications: a log chunk written or a state changed on any host.
  const changes = new RunChanges();
  const listener = new PgListener(db.url, [LOG_CHANNEL, RUN_CHANNEL], (channel, runId) => {
    changes.notify(runId);
    if (channel === RUN_CHANNEL) void feed.changed(runId);
  }, base.logger);
  await listener.start();
  const deps: AppDeps = {
    ...base,
    queue: shared,
    // Runners claim pending runs from the table, so nothing is requeued. Where this host runs
    // runs, the home's janitors (as an offline `quire reconcile` has them) and the live queue's
    // word; a `--no-runner` server leaves processes and workspaces to the runners.
    reconcile: () =>
      reconcile(
        runnerHost
          ? { ...reconcileDepsOf(base), isRunning: (runId: string) => runnerHost.runner.queue.isRunning(runId) }
          : { store: base.store, clock: base.clock, liveness: base.liveness, index: base.index },
      ),
    onRunsCreated: (runs) => {
      void afterCreate(runs);
      void spool.deliver("event");
    },
    onPush: notifier.onPush,
    deliveries: notifier.outbox,
    web: http.web,
    waitForChange: (runId, ms) => changes.wait(runId, ms),
    // Job states before receipts come from this process's own queue only, which a PostgreSQL server does not have.
    live: new LiveRuns(),
  };
  const runReconcile = async (why: string): Promise<boolean> => {
    try {
      const report = await deps.reconcile();
      if (why !== "lease" || report.orphaned.length > 0) deps.logger.info({ why, ...report }, "reconciled");
      return true;
    } catch (error) {
      deps.logger.error({ why, err: error }, "reconcile failed");
      return false;
    }
  };
  await runReconcile("start");
  // Transitions made while no server listened (or whose notification was lost) are reported now.
  void recheck(RECHECK_FINISHED_MS);
  const app = createApp(deps);
  const server = await new Promise<ReturnType<typeof serveHttp>>((resolve, reject) => {
    const s = serveHttp({ fetch: app.fetch, port: options.port, hostname: options.host }, () => resolve(s));
    s.once("error", reject);
  }).catch(async (error: unknown) => {
    await listener.close();
    await runnerHost?.stop();
    await notifier.stop();
    await base.close();
    throw error;
  });
  const { port } = server.address() as AddressInfo;
  const hostName = options.host.includes(":") ? `[${options.host}]` : options.host;
  const url = `http://${hostName}:${port}`;
  // Spooled pushes first, before hooks see the URL and post new ones.
  await spool.deliver("start");
  // Hooks and the CLI go where people go: through the proxy and its prefix when there is one.
  await writeFileAtomic(home.serverUrl, (http.publicUrl ?? url) + "\n");
  const cronExpr = await reconcileCron();
  // Catches events spooled while the first pass ran, before hooks could see the new URL.
  void spool.deliver("start");
  const cron = new Cron(cronExpr, async () => {
    await runReconcile("cron");
    await spool.deliver("cron");
    await recheck(3_600_000);
  });
  // Leases expire within LEASE_TTL_MS; the cron alone is too coarse to orphan a lost runner's run in time.
  // A push the hook spooled while the database was down (intake answered 503) goes in as soon
  // as the database answers again, not at the next cron; an empty spool costs one readdir.
  const leaseCheck = setInterval(() => {
    void runReconcile("lease").then((reachable) => (reachable ? spool.deliver("lease") : undefined));
  }, LEASE_CHECK_MS);
  leaseCheck.unref();
  deps.logger.info({ url, home: home.root, cron: cronExpr, store: "postgres", runner: options.runner }, "quire listening");
  const close = async () => {
    cron.stop();
    clearInterval(leaseCheck);
    await listener.close();
    await rm(home.serverUrl, { force: true });
    await runnerHost?.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await notifier.stop();
    await base.close();
  };
  return { url, ...(http.publicUrl ? { publicUrl: http.publicUrl } : {}), close };
}
