import { Command } from "commander";
import { loadConfig } from "../node/config.ts";
import { resolveHome } from "../node/home.ts";
import { askServerToReconcile } from "../node/server-reconcile.ts";
import { wireHome } from "../node/wire-home.ts";
import { homeOption } from "./options.ts";

/**
 * With a server running, asks it to reconcile (only the server writes run state while
 * it runs); without one, reconciles the home directly.
 */
export function reconcileCommand(): Command {
  return new Command("reconcile")
    .description("fail orphaned active runs, requeue pending ones, remove the processes, containers and workspaces no live run uses, repair what a crash left behind")
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
      const config = await loadConfig(home.config);
      // The home's store (files or PostgreSQL) and the same janitors the server uses, so a home
      // cleaned offline is as clean as one cleaned live.
      const deps = await wireHome(home, config);
      try {
        process.stdout.write(JSON.stringify(await deps.reconcile(), null, 2) + "\n");
      } finally {
        await deps.close();
      }
    });
}
