import { serve as serveHttp } from "@hono/node-server";
import { Cron } from "croner";
import { rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { writeFileAtomic } from "../../adapters/storage/atomic-write.ts";
import { reconcile } from "../../core/maintenance/reconcile.ts";
import { createApp } from "../app.ts";
import type { AppDeps } from "../app-deps.ts";
import type { QuireConfig } from "./config.ts";
import { createRunner } from "./runner.ts";
import { reconcileCron } from "./cron-schedule.ts";
import { LiveRuns } from "../ui/live-runs.ts";
import { shareRegisteredHome } from "./hosting-users.ts";
import type { SandboxSetup } from "./sandbox-setup.ts";
import { spoolDelivery } from "./spool-delivery.ts";
import { watchConfig } from "./config-reload.ts";
import { reconcileDepsOf } from "./home-deps.ts";
import { wireHome } from "./wire-home.ts";
import { wireNotify } from "./notify-wiring.ts";
import type { Served, ServeOptions } from "./serve.ts";

/**
 * `quire serve` over files under the home, from the sandbox probe on (serve.ts started it
 * and loads this module meanwhile): wire, reconcile, listen, publish the URL for hooks,
 * reconcile on the cron.
 */
export async function serveFiles(
  options: ServeOptions,
  config: QuireConfig,
  http: { sandbox: Promise<SandboxSetup | undefined>; publicUrl?: string; web: AppDeps["web"] },
): Promise<Served> {
  const { home } = options;
  const { publicUrl } = http;
  // Before anything is wired: no sandbox, no server (unless `sandbox: off`).
  const sandbox = await http.sandbox;
  const plain = await wireHome(home, config, sandbox === undefined ? {} : { sandbox });
  const notify = await wireNotify(home, config, plain, publicUrl);
  const base = { ...plain, store: notify.observe(plain.store) };
  for (const line of await shareRegisteredHome(home, config.hook_group)) base.logger.warn({ home: home.root }, line);
  const live = new LiveRuns();
  const runner = createRunner(base, { onRunEvent: live.listener });
  const enqueue = (run: Parameters<typeof runner.queue.enqueue>[0]) => runner.queue.enqueue(run);
  const spool = spoolDelivery({ home, intake: base, afterCreate: (runs) => runs.forEach(enqueue), logger: base.logger });
  const deps: AppDeps = {
    ...base,
    queue: runner.queue,
    // The home's janitors, the same a reconcile run offline (reconcile-command.ts) gets.
    reconcile: () => reconcile({ ...reconcileDepsOf(base), isRunning: (runId) => runner.queue.isRunning(runId), requeue: enqueue }),
    onRunsCreated: (runs) => {
      runs.forEach(enqueue);
      // The server is evidently reachable again: hand over what hooks spooled meanwhile.
      void spool.deliver("event");
    },
    onPush: notify.onPush,
    deliveries: notify.outbox,
    live,
    web: http.web,
  };
  const runReconcile = async (why: string) => {
    try {
      const report = await deps.reconcile();
      deps.logger.info({ why, ...report }, "reconciled");
    } catch (error) {
      deps.logger.error({ why, err: error }, "reconcile failed");
    }
  };
  await runReconcile("start");
  const app = createApp(deps);
  const server = await new Promise<ReturnType<typeof serveHttp>>((resolve, reject) => {
    const s = serveHttp({ fetch: app.fetch, port: options.port, hostname: options.host }, () => resolve(s));
    s.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}`;
  // Spooled pushes first, before hooks see the URL and post new ones.
  await spool.deliver("start");
  // Hooks and the CLI go where people go: through the proxy and its prefix when there is one.
  await writeFileAtomic(home.serverUrl, (publicUrl ?? url) + "\n");
  const cronExpr = await reconcileCron();
  // Catches events spooled while the first pass ran, before hooks could see the new URL.
  void spool.deliver("start");
  const cron = new Cron(cronExpr, async () => {
    await runReconcile("cron");
    await spool.deliver("cron");
  });
  deps.logger.info({ url, public_url: publicUrl ?? null, home: home.root, cron: cronExpr, executor: config.executor, sandbox: config.sandbox }, "quire listening");
  const configWatch = watchConfig(
    home.config,
    (next, why) => {
      const restart = runner.reload(next);
      deps.logger.info({ why, concurrency: next.concurrency, executor: next.executor, secrets: Object.keys(next.secrets) }, "config reloaded");
      if (restart.length > 0) deps.logger.warn({ keys: restart }, "these config.yml changes take effect at the next restart");
    },
    deps.logger,
  );
  const close = async () => {
    configWatch.close();
    cron.stop();
    await rm(home.serverUrl, { force: true });
    await runner.stop();
    await notify.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await base.close();
  };
  return { url, ...(publicUrl ? { publicUrl } : {}), close };
}
