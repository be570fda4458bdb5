import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { kind } from "./hook-install.ts";

export interface Found {
  path: string;
  /** Relative to the scanned directory, e.g. `team/app.git`; the repo's default name comes from it. */
  relative: string;
}

/** gitolite's layout nests deeper than quire's names go; seen, so the scan can say why it skipped them. */
const MAX_DEPTH = 4;

/**
 * Every bare repo under `root`: a directory with `HEAD`, `objects/` and `refs/`. A repo's own
 * insides are not searched, and hidden entries (such as `.gitolite`) are skipped.
 */
export async function findBareRepos(root: string): Promise<Found[]> {
  const found: Found[] = [];
  const walk = async (dir: string, relative: string, depth: number): Promise<void> => {
    if (await looksBare(dir)) {
      found.push({ path: dir, relative });
      return;
    }
    if (depth >= MAX_DEPTH) return;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith(".") || !entry.isDirectory()) continue;
      await walk(join(dir, entry.name), relative === "" ? entry.name : `${relative}/${entry.name}`, depth + 1);
    }
  };
  await walk(root, "", 0);
  return found;
}

async function looksBare(dir: string): Promise<boolean> {
  const [head, objects, refs] = await Promise.all([kind(join(dir, "HEAD")), kind(join(dir, "objects")), kind(join(dir, "refs"))]);
  return head === "file" && objects === "dir" && refs === "dir";
}
