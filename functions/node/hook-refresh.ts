import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Home } from "./home.ts";
import { installHookAt, kind, rewriteHook } from "./hook-install.ts";
import { hookScript } from "./hook-script.ts";
import { hookHealth, replacedByPrevious, servedRepos } from "./served-repos.ts";

export interface RefreshLine {
  repo: string;
  outcome: "unchanged" | "refreshed" | "reinstalled" | "left";
  detail: string;
}

/**
 * `quire hooks refresh`: every quire hook rewritten to call this node and this quire, as after
 * an upgrade or a moved checkout. A hook that is no longer quire's is left alone and reported.
 */
export async function refreshHooks(home: Home): Promise<RefreshLine[]> {
  const lines: RefreshLine[] = [];
  for (const repo of await servedRepos(home)) {
    const script = hookScript(home.root, repo.name, { previous: repo.previous });
    const present = await kind(repo.hook);
    if (present === "missing") {
      const health = await hookHealth(home, repo);
      if (!health.ok && health.problem.startsWith("the repository is gone")) {
        lines.push({ repo: repo.name, outcome: "left", detail: `${health.problem}; fix: ${health.fix}` });
        continue;
      }
      await installHookAt({ hooksDir: dirname(repo.hook), hook: repo.hook, previous: null, layout: "post-receive" }, script);
      lines.push({ repo: repo.name, outcome: "reinstalled", detail: repo.hook });
      continue;
    }
    const health = await hookHealth(home, repo);
    if (!health.ok && health.facts === undefined && (await replacedByPrevious(repo))) {
      await rewriteHook(repo.hook, script);
      lines.push({ repo: repo.name, outcome: "reinstalled", detail: `${repo.hook} (${health.problem})` });
      continue;
    }
    if (!health.ok && health.facts === undefined) {
      lines.push({ repo: repo.name, outcome: "left", detail: `${health.problem}; fix: ${health.fix}` });
      continue;
    }
    if (health.ok && (await readFile(repo.hook, "utf8")) === script) {
      lines.push({ repo: repo.name, outcome: "unchanged", detail: repo.hook });
      continue;
    }
    await rewriteHook(repo.hook, script);
    lines.push({ repo: repo.name, outcome: "refreshed", detail: health.ok ? repo.hook : `${repo.hook} (was: ${health.problem})` });
  }
  return lines;
}
