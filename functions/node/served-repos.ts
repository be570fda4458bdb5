import { access, constants, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";
import { listBareRepos } from "../../adapters/git/repo-admin.ts";
import { readRegistry } from "../../adapters/git/repo-registry-file.ts";
import type { Home } from "./home.ts";
import { kind } from "./hook-install.ts";
import { readHookScript, type HookFacts } from "./hook-script.ts";

/** A repo quire serves: made by `repo new` in the home, or registered where it lives. */
export interface ServedRepo {
  name: string;
  gitDir: string;
  hook: string;
  previous: string | null;
  registered: boolean;
}

export async function servedRepos(home: Home): Promise<ServedRepo[]> {
  const own = (await listBareRepos(home.repos)).map((name) => {
    const gitDir = join(home.repos, name);
    return { name, gitDir, hook: join(gitDir, "hooks", "post-receive"), previous: null, registered: false };
  });
  const registered = (await readRegistry(home.registry)).repos.map((repo) => ({
    name: repo.name,
    gitDir: repo.git_dir,
    hook: repo.hook,
    previous: repo.previous,
    registered: true,
  }));
  return [...own, ...registered].sort((a, b) => a.name.localeCompare(b.name));
}

export type HookHealth =
  | { ok: true; facts: HookFacts }
  /** `fix` is the command that repairs it; `facts` is there when the hook is quire's but stale. */
  | { ok: false; problem: string; fix: string; facts?: HookFacts };

/** Whether a push to this repo reaches quire: the hook is there, is quire's, and what it calls exists. */
export async function hookHealth(home: Home, repo: ServedRepo): Promise<HookHealth> {
  const refresh = `quire hooks refresh --home ${home.root}`;
  if ((await kind(join(repo.gitDir, "HEAD"))) !== "file") {
    return { ok: false, problem: `the repository is gone from ${repo.gitDir}`, fix: `quire repo remove ${repo.name} --home ${home.root}` };
  }
  const present = await kind(repo.hook);
  if (present === "missing") return { ok: false, problem: `no hook at ${repo.hook}`, fix: refresh };
  const facts = present === "file" ? readHookScript(await readFile(repo.hook, "utf8")) : undefined;
  if (!facts) {
    if (await replacedByPrevious(repo)) {
      return { ok: false, problem: `${repo.hook} was put back to the hook quire runs first (e.g. by gitolite setup)`, fix: refresh };
    }
    const fix = `move ${repo.hook} aside, then: quire repo remove ${repo.name} && quire repo add ${repo.gitDir} --name ${repo.name}`;
    return { ok: false, problem: `${repo.hook} is not quire's hook any more (replaced by something else)`, fix };
  }
  const stale = (problem: string): HookHealth => ({ ok: false, problem, fix: refresh, facts });
  if (!(await executable(repo.hook))) return stale(`${repo.hook} is not executable`);
  if (facts.home !== home.root || facts.repo !== repo.name) return stale(`the hook reports to ${facts.repo} in ${facts.home}`);
  if (!(await executable(facts.node))) return stale(`the hook calls node at ${facts.node}, which is missing`);
  if ((await kind(facts.bin)) !== "file") return stale(`the hook calls quire at ${facts.bin}, which is missing`);
  if (facts.previous !== repo.previous) return stale(`the hook runs ${facts.previous ?? "no previous hook"}, not ${repo.previous ?? "none"}`);
  return { ok: true, facts };
}

async function executable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/**
 * Whether the hook quire displaced was put back over quire's (gitolite re-links its common
 * hooks on `gitolite setup`): same link target, or same bytes. Then quire's can simply return.
 */
export async function replacedByPrevious(repo: ServedRepo): Promise<boolean> {
  if (repo.previous === null) return false;
  const [hookLink, previousLink] = await Promise.all([readlink(repo.hook).catch(() => null), readlink(repo.previous).catch(() => null)]);
  if (hookLink !== null || previousLink !== null) return hookLink === previousLink;
  const [hook, previous] = await Promise.all([readFile(repo.hook).catch(() => null), readFile(repo.previous).catch(() => null)]);
  return hook !== null && previous !== null && hook.equals(previous);
}
