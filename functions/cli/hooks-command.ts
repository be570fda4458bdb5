import { Command } from "commander";
import { loadConfig } from "../node/config.ts";
import { resolveHome } from "../node/home.ts";
import { refreshHooks } from "../node/hook-refresh.ts";
import { shareForHostingUsers } from "../node/hosting-users.ts";
import { registeredRepos } from "../node/repo-attach.ts";
import { homeOption } from "./options.ts";

export function hooksCommand(): Command {
  const hooks = new Command("hooks").description("the post-receive hooks quire installed in the repos it serves");
  hooks
    .command("refresh")
    .description("rewrite every quire hook to call this node and this quire (after an upgrade or a moved checkout)")
    .option(...homeOption)
    .action(async (opts: { home?: string }) => {
      const home = resolveHome(opts.home);
      const config = await loadConfig(home.config);
      const lines = await refreshHooks(home);
      for (const line of lines) process.stdout.write(`${line.outcome.padEnd(11)} ${line.repo}  ${line.detail}\n`);
      if (lines.length === 0) process.stdout.write("no repos to refresh (quire repo new / quire repo add)\n");
      for (const line of await shareForHostingUsers(home, await registeredRepos(home), config.hook_group)) {
        process.stdout.write(line + "\n");
      }
      if (lines.some((line) => line.outcome === "left")) process.exitCode = 1;
    });
  return hooks;
}
