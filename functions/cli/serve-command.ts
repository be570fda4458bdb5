import { Command } from "commander";
import { resolveHome } from "../node/home.ts";
import { serve } from "../node/serve.ts";
import { homeOption, parsePort, parsePublicUrl } from "./options.ts";

export function serveCommand(): Command {
  return new Command("serve")
    .description(
      "run the quire server: push intake, runs API, reconcile on start and on the cron in wrangler.toml; " +
        "logs JSON lines to stderr for log collectors (QUIRE_LOG_LEVEL sets the level, QUIRE_LOG_FORMAT=line makes them readable)",
    )
    .option(...homeOption)
    .option("--port <n>", "port to listen on (0 picks a free one)", parsePort, 8787)
    .option("--host <addr>", "address to bind", "127.0.0.1")
    .option(
      "--public-url <url>",
      "where people and hooks reach this server, e.g. https://ci.example.org/ci/ behind a proxy (overrides public_url in config.yml)",
      parsePublicUrl,
    )
    .option("--no-runner", "serve without executing runs; `quire runner` processes claim them (needs the postgres store)")
    .action(async (opts: { home?: string; port: number; host: string; publicUrl?: string; runner: boolean }) => {
      const home = resolveHome(opts.home);
      const server = await serve({
        home,
        port: opts.port,
        host: opts.host,
        runner: opts.runner,
        ...(opts.publicUrl ? { publicUrl: opts.publicUrl } : {}),
      });
      const shown = opts.publicUrl ?? server.publicUrl;
      process.stdout.write(`quire serving ${home.root} at ${server.url}${shown ? ` (public URL ${shown})` : ""}\n`);
      const stop = () => {
        void server.close().finally(() => process.exit(0));
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
}
