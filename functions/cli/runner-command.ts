import { Command, InvalidArgumentError } from "commander";
import { QuireError } from "../../core/errors.ts";
import { loadConfig } from "../node/config.ts";
import { ensureHomeDirs, resolveHome } from "../node/home.ts";
import { sandboxSetup } from "../node/sandbox-setup.ts";
import { homeOption } from "./options.ts";

function parseConcurrency(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError("must be 1-64");
  return n;
}

/** `quire runner`: one per host, next to a `quire serve` that shares its PostgreSQL. */
export function runnerCommand(): Command {
  return new Command("runner")
    .description(
      "claim and execute runs from the shared PostgreSQL queue (`store: { kind: postgres, url }` in config.yml); " +
        "sources come from `source.clone_url`, else from this home's bare repos",
    )
    .option(...homeOption)
    .option("--concurrency <n>", "runs at once (default: concurrency in config.yml)", parseConcurrency)
    .action(async (opts: { home?: string; concurrency?: number }) => {
      const home = resolveHome(opts.home);
      await ensureHomeDirs(home);
      const config = await loadConfig(home.config);
      if (config.store.kind !== "postgres") {
        throw new QuireError("config_invalid", `${home.config}: quire runner needs \`store: { kind: postgres, url }\`; with files under the home, quire serve runs the runs itself`);
      }
      const concurrency = opts.concurrency ?? config.concurrency;
      // No sandbox, no runner (unless `sandbox: off`): said once at start, before any claim.
      const sandbox = await sandboxSetup(config);
      // The PostgreSQL client loads only for the commands that use it (wire-home.ts imports it when the store says so).
      const [{ wireSharedHome }, { startRunnerHost }] = await Promise.all([import("../node/wire-home.ts"), import("../node/runner-host.ts")]);
      const deps = await wireSharedHome(home, { ...config, concurrency }, { role: "runner", ...(sandbox === undefined ? {} : { sandbox }) });
      const host = await startRunnerHost(deps).catch(async (error: unknown) => {
        await deps.close();
        throw error;
      });
      process.stdout.write(`quire runner ${deps.liveness.self} claiming runs (concurrency ${concurrency}, executor ${config.executor})\n`);
      const stop = () => {
        void host
          .stop()
          .then(() => deps.close())
          .finally(() => process.exit(0));
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
}
