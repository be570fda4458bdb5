import { serve as serveHttp } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { Cron } from "croner";
import { rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { writeFileAtomic } from "../../adapters/storage/atomic-write.ts";
import { reconcile } from "../../core/maintenance/reconcile.ts";
import { createApp } from "../app.ts";
import type { AppDeps } from "../app-deps.ts";
import { loadConfig, type QuireConfig } from "./config.ts";
import { createRunner } from "./runner.ts";
import { reconcileCron } from "./cron-schedule.ts";
import { ensureHomeDirs, ensureHookToken, type Home } from "./home.ts";
import { LiveRuns } from "../ui/live-runs.ts";
import { shareRegisteredHome } from "./hosting-users.ts";
import { sandboxSetup } from "./sandbox-setup.ts";
import { spoolDelivery } from "./spool-delivery.ts";
import { watchConfig } from "./config-reload.ts";
import { trustProxyList } from "./trust-proxy.ts";
import { wireHome } from "./wire.ts";
import { wireNotify } from "./notify-wiring.ts";
import { QuireError } from "../../core/errors.ts";

export interface ServeOptions {
  home: Home;
  port: number;
  host: string;
  /** Overrides `public_url` in config.yml. */
  publicUrl?: string;
  /** false (`--no-runner`): serve without executing; only with the postgres store, where runners claim. */
  runner?: boolean;
}

/** `quire serve`: reconcile, listen, publish the URL for hooks, reconcile on the cron. */
export async function serve(options: ServeOptions): Promise<{ url: string; publicUrl?: string; close: () => Promise<void> }> {
  const { home } = options;
  await ensureHomeDirs(home);
  await ensureHookToken(home);
  const config = await loadConfig(home.config);
  const publicUrl = options.publicUrl ?? config.public_url;
  const trustProxy = trustProxyList(config.trust_proxy);
  if (config.store.kind === "postgres") {
    // Imported here: a server on files never loads the PostgreSQL client.
    const { servePostgres } = await import("./serve-postgres.ts");
    return servePostgres({ ...options, runner: options.runner ?? true }, config, config.store, {
      ...(publicUrl ? { publicUrl } : {}),
      web: webOptions(config, publicUrl, trustProxy),
    });
  }
  if (options.runner === false) {
    throw new QuireError("config_invalid", "--no-runner needs `store: { kind: postgres, url }` in config.yml: with files under the home, only this server can run the runs");
  }
  // Before anything is wired: no sandbox, no server (unless `sandbox: off`).
  const sandbox = await sandboxSetup(config);
  const plain = wireHome(home);
  const notify = await wireNotify(home, config, plain, publicUrl);
  const base = { ...plain, store: notify.observe(plain.store) };
  for (const line of await shareRegisteredHome(home, config.hook_group)) base.logger.warn({ home: home.root }, line);
  const live = new LiveRuns();
  const runner = createRunner(home, config, base, { onRunEvent: live.listener, ...(sandbox === undefined ? {} : { sandbox }) });
  const enqueue = (run: Parameters<typeof runner.queue.enqueue>[0]) => runner.queue.enqueue(run);
  const spool = spoolDelivery({ home, intake: base, afterCreate: (runs) => runs.forEach(enqueue), logger: base.logger });
  const deps: AppDeps = {
    ...base,
    queue: runner.queue,
    files: runner.files,
    logs: runner.logs,
    // The janitors the runner uses; a reconcile run offline (reconcile-command.ts) gets the same.
    reconcile: () =>
      reconcile({
        ...base,
        processes: runner.processes,
        workspaces: runner.workspaces,
        isRunning: (runId) => runner.queue.isRunning(runId),
        requeue: enqueue,
        ...(runner.containers ? { containers: runner.containers } : {}),
      }),
    onRunsCreated: (runs) => {
      runs.forEach(enqueue);
      // The server is evidently reachable again: hand over what hooks spooled meanwhile.
      void spool.deliver("event");
    },
    onPush: notify.onPush,
    deliveries: notify.outbox,
    live,
    web: webOptions(config, publicUrl, trustProxy),
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
    await base.index.settled();
    base.close();
  };
  return { url, ...(publicUrl ? { publicUrl } : {}), close };
}

/** The HTTP side's settings, the same whichever store serves the runs. */
function webOptions(config: QuireConfig, publicUrl: string | undefined, trustProxy: ReturnType<typeof trustProxyList>): AppDeps["web"] {
  return {
    ...(publicUrl ? { publicUrl } : {}),
    ...(trustProxy ? { trustProxy } : {}),
    remoteAddress: (c) => getConnInfo(c).remote.address,
    readAuth: config.auth.read,
    ...(config.auth.proxy_user_header ? { proxyUserHeader: config.auth.proxy_user_header } : {}),
    heartbeatMs: config.sse_heartbeat_seconds * 1000,
  };
}
