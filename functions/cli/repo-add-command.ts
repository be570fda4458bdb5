import { Command } from "commander";
import { realpath } from "node:fs/promises";
import { basename } from "node:path";
import { nameFromRelativePath } from "../../core/repos/repo-registry.ts";
import { loadConfig } from "../node/config.ts";
import { ensureHomeDirs, ensureHookToken, resolveHome, type Home } from "../node/home.ts";
import { shareForHostingUsers } from "../node/hosting-users.ts";
import { attachRepo, registeredRepos, type Attached } from "../node/repo-attach.ts";
import { findBareRepos } from "../node/repo-scan.ts";
import { homeOption } from "./options.ts";

/** gitolite's own admin repo is config, not code: a scan leaves it to an explicit `repo add`. */
const GITOLITE_ADMIN = "gitolite-admin.git";

export function repoAddCommand(): Command {
  return new Command("add")
    .description("serve an existing bare repo where it lives (no copy); its post-receive hook keeps running")
    .argument("[path]", "the bare repository (e.g. /srv/git/foo.git)")
    .option("--name <name>", "the name quire uses (foo.git or group/foo.git; default: the directory's name)")
    .option("--scan <dir>", "add every bare repo under a directory (plain /srv/git or gitolite's repositories/)")
    .option(...homeOption)
    .addHelpText(
      "after",
      "\nThe hook that was there runs first, with the same stdin and environment, and its exit status is\n" +
        "what git sees; `quire repo remove` puts it back byte for byte. When the repo belongs to another\n" +
        "user (the one pushes run as), the home is shared with the group `hook_group` (config.yml,\n" +
        "default quire) and the command granting that user access is printed.",
    )
    .action(async (path: string | undefined, opts: { name?: string; scan?: string; home?: string }) => {
      if ((path === undefined) === (opts.scan === undefined)) {
        return usage("give either a path or --scan <dir>");
      }
      if (opts.scan !== undefined && opts.name !== undefined) return usage("--name names one repo; it cannot go with --scan");
      const home = resolveHome(opts.home);
      const config = await loadConfig(home.config);
      await ensureHomeDirs(home);
      await ensureHookToken(home);
      const failed = path !== undefined ? !(await addOne(home, path, opts.name)) : await addScanned(home, opts.scan ?? "");
      for (const line of await shareForHostingUsers(home, await registeredRepos(home), config.hook_group)) {
        process.stdout.write(line + "\n");
      }
      if (failed) process.exitCode = 1;
    });
}

function usage(message: string): void {
  process.stderr.write(`quire: ${message} (see quire repo add --help)\n`);
  process.exitCode = 2;
}

async function addOne(home: Home, path: string, name: string | undefined): Promise<boolean> {
  const added = await attachRepo(home, path, name, new Date().toISOString());
  if (!added.ok) {
    process.stderr.write(`quire: ${added.error.message}\n`);
    return false;
  }
  report(added.value);
  return true;
}

/** Returns whether any repo was refused; those already registered at the same path are fine. */
async function addScanned(home: Home, dir: string): Promise<boolean> {
  const found = await findBareRepos(dir);
  if (found.length === 0) process.stderr.write(`quire: no bare repositories under ${dir}\n`);
  let failed = found.length === 0;
  const known = new Map((await registeredRepos(home)).map((repo) => [repo.git_dir, repo.name]));
  for (const repo of found) {
    const relative = repo.relative === "" ? basename(repo.path) : repo.relative;
    if (relative === GITOLITE_ADMIN) {
      process.stdout.write(`skipped ${relative}: gitolite's admin repo (add it by hand if it should have CI)\n`);
      continue;
    }
    const name = nameFromRelativePath(relative);
    if (!name.ok) {
      process.stderr.write(`quire: skipped ${repo.path}: ${name.error.message}\n`);
      failed = true;
      continue;
    }
    if (known.get(await realpath(repo.path)) === name.value) {
      process.stdout.write(`already registered: ${name.value}\n`);
      continue;
    }
    const added = await attachRepo(home, repo.path, name.value, new Date().toISOString());
    if (added.ok) {
      report(added.value);
    } else {
      process.stderr.write(`quire: skipped ${repo.path}: ${added.error.message}\n`);
      failed = true;
    }
  }
  return failed;
}

function report({ entry, layout }: Attached): void {
  const how =
    layout === "post-receive.d"
      ? "added to the post-receive.d/ directory; the dispatcher is untouched"
      : entry.previous === null
        ? "installed"
        : `installed; the previous hook is now ${basename(entry.previous)} and runs first`;
  process.stdout.write(`added ${entry.name} at ${entry.git_dir}\n  hook: ${entry.hook} (${how})\n`);
}
