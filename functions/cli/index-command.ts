import { Command } from "commander";
import type { IndexRepairReport } from "../../core/ports/run-index.ts";
import { resolveHome } from "../node/home.ts";
import { askServerToReconcile } from "../node/server-reconcile.ts";
import { loadConfig } from "../node/config.ts";
import { wireHome } from "../node/wire-home.ts";
import { homeOption } from "./options.ts";

const describe = (r: IndexRepairReport) => `${r.total} runs indexed (added ${r.added}, updated ${r.updated}, removed ${r.removed})`;

/**
 * `quire index rebuild`. Only the server writes index.json while it runs, so with a
 * server up this asks it to reconcile, which repairs the index from the run
 * directories; with none, it reads every run directory and writes index.json itself.
 */
export function indexCommand(): Command {
  const index = new Command("index").description("the run index (<home>/runs/index.json), derived from the run directories");
  index
    .command("rebuild")
    .description("regenerate index.json from the run directories")
    .option(...homeOption)
    .option("--json", "print the report as JSON")
    .action(async (opts: { home?: string; json?: boolean }) => {
      const home = resolveHome(opts.home);
      const print = (how: string, report: IndexRepairReport): void => {
        process.stdout.write(opts.json ? JSON.stringify({ how, ...report }) + "\n" : `${how}: ${describe(report)}\n`);
      };
      const asked = await askServerToReconcile(home);
      if (asked.kind === "answered") {
        const body = asked.body as { index?: IndexRepairReport; error?: { message?: string } };
        if (!asked.ok || !body.index) {
          process.stderr.write(`quire: the server at ${asked.url} did not repair the index: ${body.error?.message ?? "no index report"}\n`);
          process.exitCode = 1;
          return;
        }
        return print(`repaired by the server at ${asked.url}`, body.index);
      }
      if (asked.kind === "unreachable") {
        process.stderr.write(`quire: server at ${asked.url} did not answer; rebuilding ${home.runs} directly\n`);
      }
      const deps = await wireHome(home, await loadConfig(home.config));
      try {
        const report = await deps.index.rebuild();
        print(deps.backend.kind === "postgres" ? "rebuilt the index in PostgreSQL" : `rebuilt ${home.runs}`, report);
      } finally {
        await deps.close();
      }
    });
  return index;
}
