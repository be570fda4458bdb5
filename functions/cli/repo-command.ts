import { Command } from "commander";
import { createBareRepo, listBareRepos } from "../../adapters/git/repo-admin.ts";
import { parseRepoName } from "../../core/repo-name.ts";
import { ensureHomeDirs, resolveHome } from "../node/home.ts";
import { hookScript } from "../node/hook-script.ts";
import { homeOption } from "./options.ts";

export function repoCommand(): Command {
  const repo = new Command("repo").description("manage the bare repositories quire serves");
  repo
    .command("new")
    .description("create a bare repo (initial branch main) with the quire post-receive hook installed")
    .argument("<name>", "foo.git or group/foo.git")
    .option(...homeOption)
    .action(async (rawName: string, opts: { home?: string }) => {
      const name = parseRepoName(rawName);
      if (!name.ok) {
        process.stderr.write(`quire: ${name.error.message}\n`);
        process.exitCode = 2;
        return;
      }
      const home = resolveHome(opts.home);
      await ensureHomeDirs(home);
      const result = await createBareRepo(home.repos, name.value, hookScript(home.root, name.value));
      if (result.kind === "exists") {
        process.stderr.write(`quire: ${name.value} already exists at ${result.gitDir}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`created ${name.value}\n  push to: ${result.gitDir}\n`);
    });
  repo
    .command("list")
    .description("list the bare repos in this home")
    .option(...homeOption)
    .action(async (opts: { home?: string }) => {
      const home = resolveHome(opts.home);
      for (const name of await listBareRepos(home.repos)) process.stdout.write(`${name}\n`);
    });
  return repo;
}
