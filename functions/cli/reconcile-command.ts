import { Command } from "commander";
import { createDockerJanitor } from "../../adapters/executor/docker-janitor.ts";
import { ProcessRegistry } from "../../adapters/process/process-registry.ts";
import { GitWorkspaces } from "../../adapters/workspace/git-workspaces.ts";
import { reconcile } from "../../core/maintenance/reconcile.ts";
import { loadConfig } from "../node/config.ts";
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
      if (config.store.kind === "postgres") {
        // Runs live in PostgreSQL: reconcile them there, with this host's janitors.
        // Imported here: pg loads only where PostgreSQL is configured, never at every start.
        const { wirePostgres } = await import("../node/wire-postgres.ts");
        const pg = await wirePostgres(home, config.store, "serve");
        try {
          const report = await reconcile({
            ...pg,
            processes: new ProcessRegistry(home.processes),
            ...(config.executor === "docker" ? { containers: createDockerJanitor({ scope: home.root }) } : {}),
          });
          process.stdout.write(JSON.stringify(report, null, 2) + "\n");
        } finally {
          await pg.close();
        }
        return;
      }
      const deps = wireNode(home);
      try {
        // The same janitors the server uses, so a home cleaned offline is as clean as one cleaned live.
        const report = await reconcile({
          ...deps,
          processes: new ProcessRegistry(home.processes),
          workspaces: new GitWorkspaces({ reposRoot: home.repos, root: home.workspaces, keep: config.keep_workspaces }),
          ...(config.executor === "docker" ? { containers: createDockerJanitor({ scope: home.root }) } : {}),
        });
        process.stdout.write(JSON.stringify(report, null, 2) + "\n");
      } finally {
        deps.close();
      }
    });
}
