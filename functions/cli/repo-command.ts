import { Command } from "commander";
import { createBareRepo } from "../../adapters/git/repo-admin.ts";
import { parseRepoName } from "../../core/names/repo-name.ts";
import { ensureHomeDirs, resolveHome } from "../node/home.ts";
import { hookScript } from "../node/hook-script.ts";
import { detachRepo } from "../node/repo-attach.ts";
import { hookHealth, servedRepos } from "../node/served-repos.ts";
import { homeOption } from "./options.ts";
import { repoAddCommand } from "./repo-add-command.ts";

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
  repo.addCommand(repoAddCommand());
  repo
    .command("list")
    .description("list every repo quire serves: name, hook health (ok or what is wrong), where it lives")
    .option(...homeOption)
    .action(async (opts: { home?: string }) => {
      const home = resolveHome(opts.home);
      const rows: string[][] = [];
      for (const served of await servedRepos(home)) {
        const health = await hookHealth(home, served);
        rows.push([served.name, health.ok ? "ok" : `broken: ${health.problem} (fix: ${health.fix})`, served.gitDir]);
      }
      const width = Math.max(0, ...rows.map(([name = ""]) => name.length));
      for (const [name = "", hook = "", path = ""] of rows) process.stdout.write(`${name.padEnd(width)}  ${path}  hook ${hook}\n`);
    });
  repo
    .command("remove")
    .description("stop serving a repo added with `repo add`: its previous post-receive hook is put back byte for byte")
    .argument("<name>", "the name it was added as (see quire repo list)")
    .option(...homeOption)
    .action(async (name: string, opts: { home?: string }) => {
      const removed = await detachRepo(resolveHome(opts.home), name);
      if (!removed.ok) {
        process.stderr.write(`quire: ${removed.error.message}\n`);
        process.exitCode = 1;
        return;
      }
      const { entry } = { entry: removed.value };
      const hook = entry.previous === null ? `removed quire's hook ${entry.hook}` : `restored ${entry.hook}`;
      process.stdout.write(`removed ${entry.name} (${hook}); the repository at ${entry.git_dir} is untouched\n`);
    });
  return repo;
}
