import { lchown, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { JobUser } from "./host-sandbox-args.ts";

const BATCH = 64;

/**
 * Hands a freshly materialized workspace to the job user, so jobs that run as that user can
 * write in it. lchown: a symlink the commit holds is changed itself, never what it points at.
 */
export async function giveWorkspaceTo(root: string, user: JobUser): Promise<void> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const paths = [root, ...entries.map((entry) => join(entry.parentPath, entry.name))];
  for (let at = 0; at < paths.length; at += BATCH) {
    await Promise.all(paths.slice(at, at + BATCH).map((path) => lchown(path, user.uid, user.gid)));
  }
}
