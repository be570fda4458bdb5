import { Command } from "commander";
import { ProcessRegistry } from "../../adapters/process/process-registry.ts";
import { reconcile } from "../../core/reconcile.ts";
import { resolveHome } from "../node/home.ts";
import { askServerToReconcile } from "../node/server-reconcile.ts";
import { wireNode } from "../node/wire.ts";
import { homeOption } from "./options.ts";

/**
 * With a server running, asks it to reconcile (only the server writes run state while
 * it runs); without one, reconciles the home directly.
 */
export function reconcileCommand(): Command {
  return new Command("reconcile")
    .description("fail orphaned active runs, requeue pending ones, repair what a crash left behind")
    .option(...homeOption)
    .action(async (opts: { home?: string }) => {
      const home = resolveHome(opts.home);
      const asked = await askServerToReconcile(home);
      if (asked.kind === "answered") {
        process.stdout.write(JSON.stringify(asked.body, null, 2) + "\n");
        if (!asked.ok) process.exitCode = 1;
        return;
      }
      if (asked.kind === "unreachable") {
        process.stderr.write(`quire: server at ${asked.url} did not answer; reconciling ${home.root} directly\n`);
      }
      const deps = wireNode(home);
      try {
        const report = await reconcile({ ...deps, processes: new ProcessRegistry(home.processes) });
        process.stdout.write(JSON.stringify(report, null, 2) + "\n");
      } finally {
        deps.close();
      }
    });
}
