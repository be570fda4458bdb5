import { getConnInfo } from "@hono/node-server/conninfo";
import type { AppDeps } from "../app-deps.ts";
import { loadConfig, type QuireConfig } from "./config.ts";
import { ensureHomeDirs, ensureHookToken, type Home } from "./home.ts";
import { sandboxSetup } from "./sandbox-setup.ts";
import { trustProxyList } from "./trust-proxy.ts";
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

export interface Served {
  url: string;
  publicUrl?: string;
  close: () => Promise<void>;
}

/**
 * `quire serve`: reconcile, listen, publish the URL for hooks, reconcile on the cron. This
 * module holds only what comes before the sandbox probe: bubblewrap's probe (a process or
 * two, tens of milliseconds) runs while the server's own modules load (serve-files.ts,
 * imported here), and nothing is wired before it passed.
 */
export async function serve(options: ServeOptions): Promise<Served> {
  const { home } = options;
  await ensureHomeDirs(home);
  await ensureHookToken(home);
  const config = await loadConfig(home.config);
  const publicUrl = options.publicUrl ?? config.public_url;
  const trustProxy = trustProxyList(config.trust_proxy);
  if (config.store.kind === "postgres") {
    // Imported here: a server on files never loads the PostgreSQL client.
    const { servePostgres } = await import("./serve-postgres.ts");
    return servePostgres({ ...options, runner: options.runner ?? true }, config, {
      ...(publicUrl ? { publicUrl } : {}),
      web: webOptions(config, publicUrl, trustProxy),
    });
  }
  if (options.runner === false) {
    throw new QuireError("config_invalid", "--no-runner needs `store: { kind: postgres, url }` in config.yml: with files under the home, only this server can run the runs");
  }
  const sandbox = sandboxSetup(config);
  // Awaited first thing in serveFiles; handled here so a failure during the import is not an unhandled rejection.
  sandbox.catch(() => undefined);
  const { serveFiles } = await import("./serve-files.ts");
  return serveFiles(options, config, { sandbox, ...(publicUrl ? { publicUrl } : {}), web: webOptions(config, publicUrl, trustProxy) });
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
