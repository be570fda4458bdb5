import { Command } from "commander";
import { homeOption, parsePort, parsePublicUrl } from "./options.ts";
import { startServing } from "./serve-action.ts";
import { SERVE_DEFAULTS, type ServeArgs } from "./serve-args.ts";

export function serveCommand(): Command {
  return new Command("serve")
    .description(
      "run the quire server: push intake, runs API, reconcile on start and on the cron in wrangler.toml; " +
        "logs JSON lines to stderr for log collectors (QUIRE_LOG_LEVEL sets the level, QUIRE_LOG_FORMAT=line makes them readable)",
    )
    .option(...homeOption)
    .option("--port <n>", "port to listen on (0 picks a free one)", parsePort, SERVE_DEFAULTS.port)
    .option("--host <addr>", "address to bind", SERVE_DEFAULTS.host)
    .option(
      "--public-url <url>",
      "where people and hooks reach this server, e.g. https://ci.example.org/ci/ behind a proxy (overrides public_url in config.yml)",
      parsePublicUrl,
    )
    .option("--no-runner", "serve without executing runs; `quire runner` processes claim them (needs the postgres store)")
    .action((opts: ServeArgs) => startServing(opts));
}
