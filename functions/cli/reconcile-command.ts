import { Command } from "commander";
import { reconcile } from "../../core/reconcile.ts";
import { readHookToken, readServerUrl, resolveHome } from "../node/home.ts";
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
      const url = await readServerUrl(home);
      if (url) {
        try {
          const response = await fetch(new URL("/reconcile", url), {
            method: "POST",
            headers: { authorization: `Bearer ${await readHookToken(home)}` },
          });
          process.stdout.write(JSON.stringify(await response.json(), null, 2) + "\n");
          if (!response.ok) process.exitCode = 1;
          return;
        } catch {
          process.stderr.write(`quire: server at ${url} did not answer; reconciling ${home.root} directly\n`);
        }
      }
      const deps = wireNode(home);
      try {
        process.stdout.write(JSON.stringify(await reconcile(deps), null, 2) + "\n");
      } finally {
        deps.close();
      }
    });
}
