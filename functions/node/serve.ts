import { serve as serveHttp } from "@hono/node-server";
import { Cron } from "croner";
import { rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { writeFileAtomic } from "../../adapters/storage/atomic-write.ts";
import { reconcile } from "../../core/reconcile.ts";
import { createApp } from "../app.ts";
import type { AppDeps } from "../app-deps.ts";
import { loadConfig } from "./config.ts";
import { createRunner } from "./runner.ts";
import { reconcileCron } from "./cron-schedule.ts";
import { ensureHomeDirs, ensureHookToken, type Home } from "./home.ts";
import { sandboxSetup } from "./sandbox-setup.ts";
import { wireNode } from "./wire.ts";

export interface ServeOptions {
  home: Home;
  port: number;
  host: string;
}

/** `quire serve`: reconcile, listen, publish the URL for hooks, reconcile on the cron. */
export async function serve(options: ServeOptions): Promise<{ url: string; close: () => Promise<void> }> {
  const { home } = options;
  await ensureHomeDirs(home);
  await ensureHookToken(home);
  const config = await loadConfig(home.config);
  // Before anything is wired: no sandbox, no server (unless `sandbox: off`).
  const sandbox = await sandboxSetup(config, (line) => void process.stderr.write(`quire: warning: ${line}\n`));
  const base = wireNode(home);
  const runner = createRunner(home, config, base, sandbox === undefined ? {} : { sandbox });
  const enqueue = (run: Parameters<typeof runner.queue.enqueue>[0]) => runner.queue.enqueue(run);
  const deps: AppDeps = {
    ...base,
    queue: runner.queue,
    files: runner.files,
    logs: runner.logs,
    processes: runner.processes,
    ...(runner.containers ? { containers: runner.containers } : {}),
    onRunsCreated: (runs) => runs.forEach(enqueue),
    requeue: enqueue,
  };
  const runReconcile = async (why: string) => {
    try {
      const report = await reconcile(deps);
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
  await writeFileAtomic(home.serverUrl, url + "\n");
  const cronExpr = await reconcileCron();
  const cron = new Cron(cronExpr, () => runReconcile("cron"));
  deps.logger.info({ url, home: home.root, cron: cronExpr, executor: config.executor, sandbox: config.sandbox }, "quire listening");
  const close = async () => {
    cron.stop();
    await rm(home.serverUrl, { force: true });
    await runner.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await base.index.settled();
    base.close();
  };
  return { url, close };
}
