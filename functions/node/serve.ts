import { serve as serveHttp } from "@hono/node-server";
import { Cron } from "croner";
import { rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { writeFileAtomic } from "../../adapters/storage/atomic-write.ts";
import { reconcile } from "../../core/reconcile.ts";
import { createApp } from "../app.ts";
import { reconcileCron } from "./cron-schedule.ts";
import { ensureHomeDirs, ensureHookToken, type Home } from "./home.ts";
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
  const deps = wireNode(home);
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
  deps.logger.info({ url, home: home.root, cron: cronExpr }, "quire listening");
  const close = async () => {
    cron.stop();
    await rm(home.serverUrl, { force: true });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    deps.close();
  };
  return { url, close };
}
