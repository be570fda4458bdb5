import { realpath, stat } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import { readRegistry, updateRegistry } from "../../adapters/git/repo-registry-file.ts";
import { addRegistered, findRegistered, nameFromRelativePath, removeRegistered, type RegisteredRepo } from "../../core/repos/repo-registry.ts";
import { parseRepoName } from "../../core/names/repo-name.ts";
import { err, ok, type Result } from "../../core/result.ts";
import type { Home } from "./home.ts";
import { gitOn, installHookAt, kind, planHook, uninstallHook, type HookPlacement } from "./hook-install.ts";
import { hookScript } from "./hook-script.ts";

export interface Attached {
  entry: RegisteredRepo;
  layout: HookPlacement["layout"];
}

export type AttachError = { code: string; message: string };

/**
 * `quire repo add`: registers a bare repo where it lives and installs the hook next to the
 * one it had. Refusals change nothing: the checks run first, the hook goes in under the
 * registry lock, and a registry write that fails takes the hook out again.
 */
export async function attachRepo(home: Home, path: string, wanted: string | undefined, now: string): Promise<Result<Attached, AttachError>> {
  let gitDir: string;
  try {
    gitDir = await realpath(path);
  } catch {
    return err({ code: "not_found", message: `${path}: no such directory` });
  }
  const inHome = relative(await realpath(home.repos).catch(() => home.repos), gitDir);
  if (!inHome.startsWith("..")) {
    return err({ code: "in_home", message: `${gitDir} is in quire's own repos directory; it is served already` });
  }
  if ((await kind(join(gitDir, "HEAD"))) !== "file") {
    const checkout = (await kind(join(gitDir, ".git"))) !== "missing";
    const message = checkout ? `${gitDir} is not a bare repository (it is a checkout; add the bare repo it pushes to)` : `${gitDir} is not a git repository`;
    return err({ code: "not_bare", message });
  }
  const bare = await gitOn(gitDir, ["rev-parse", "--is-bare-repository"]);
  if (bare.stdout.trim() !== "true") {
    return err({ code: "not_bare", message: `${gitDir} is not a bare repository (${bare.stderr.trim() || "it has a working tree"})` });
  }
  const name = wanted === undefined ? nameFromRelativePath(basename(gitDir)) : parseRepoName(wanted);
  if (!name.ok) return err({ code: "invalid_repo", message: name.error.message });
  if ((await kind(join(home.repos, name.value))) !== "missing") {
    return err({ code: "name_taken", message: `${name.value} is already a repo in ${home.repos}; pick another with --name` });
  }
  const owner = await stat(gitDir);
  let installed: HookPlacement | undefined;
  try {
    return await updateRegistry<Attached, AttachError>(home.registry, async (registry) => {
      const entry: RegisteredRepo = { name: name.value, git_dir: gitDir, hook: "", previous: null, owner_uid: owner.uid, added_at: now };
      const clash = addRegistered(registry, entry);
      if (!clash.ok) return clash;
      const placement = await planHook(gitDir);
      if (!placement.ok) return placement;
      const placed = { ...entry, hook: placement.value.hook, previous: placement.value.previous };
      await installHookAt(placement.value, hookScript(home.root, name.value, { previous: placed.previous }));
      installed = placement.value;
      const added = addRegistered(registry, placed);
      return added.ok ? ok({ registry: added.value, value: { entry: placed, layout: placement.value.layout } }) : added;
    });
  } catch (error) {
    if (installed) await uninstallHook(installed.hook, installed.previous).catch(() => undefined);
    throw error;
  }
}

/** `quire repo remove`: the previous hook back exactly as it was, then the entry out of the registry. */
export async function detachRepo(home: Home, name: string): Promise<Result<RegisteredRepo, AttachError>> {
  return updateRegistry<RegisteredRepo, AttachError>(home.registry, async (registry) => {
    const entry = findRegistered(registry, name);
    if (!entry) {
      const own = parseRepoName(name).ok && (await kind(join(home.repos, name))) !== "missing";
      const message = own
        ? `${name} was made by quire repo new and lives in ${home.repos}; delete ${join(home.repos, name)} to remove it`
        : `no registered repo named ${name} (see quire repo list)`;
      return err({ code: "unknown_repo", message });
    }
    const restored = await uninstallHook(entry.hook, entry.previous);
    if (!restored.ok) return restored;
    const removed = removeRegistered(registry, name);
    return removed.ok ? ok({ registry: removed.value, value: entry }) : removed;
  });
}

export async function registeredRepos(home: Home): Promise<RegisteredRepo[]> {
  return (await readRegistry(home.registry)).repos;
}
