import { realpath, stat } from "node:fs/promises";
import { isAbsolute, resolve, sep } from "node:path";
import { err, ok, type Result } from "../../core/result.ts";

const inside = (root: string, path: string): boolean => path === root || path.startsWith(root + sep);

/**
 * The host directory for a workspace-relative cwd. `root` must already be a real
 * path. Checked after resolving symlinks too: a repo can commit a link to `/`.
 */
export async function resolveCwd(root: string, cwd: string): Promise<Result<string, string>> {
  if (isAbsolute(cwd)) return err(`cwd ${JSON.stringify(cwd)} must be relative to the workspace`);
  const joined = resolve(root, cwd);
  if (!inside(root, joined)) return err(`cwd ${JSON.stringify(cwd)} leaves the workspace`);
  let real: string;
  try {
    real = await realpath(joined);
  } catch {
    return err(`cwd ${JSON.stringify(cwd)} does not exist in the workspace`);
  }
  if (!inside(root, real)) return err(`cwd ${JSON.stringify(cwd)} leads out of the workspace through a symlink`);
  if (!(await stat(real)).isDirectory()) return err(`cwd ${JSON.stringify(cwd)} is not a directory`);
  return ok(real);
}
