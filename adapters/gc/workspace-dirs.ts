import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { StorageError } from "../../core/errors.ts";
import type { GcItem } from "../../core/maintenance/gc-plan.ts";
import type { RunStore } from "../../core/ports/storage.ts";

/** Workspaces of runs that never got cleaned up have no run to claim them. */
export const UNKNOWN_REPO = "(unknown)";

/**
 * Workspaces are `<workspaces>/<run-id>`; dot entries (bookkeeping such as
 * `.processes`) are never workspaces. The run's repo, when the store still knows the
 * run, is the retention group.
 */
export async function listWorkspaceDirs(root: string, store: RunStore): Promise<GcItem[]> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new StorageError("workspaces_unreadable", `cannot list ${root}`, { cause: error });
  }
  const items: GcItem[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    const path = join(root, entry.name);
    const info = await stat(path).catch(() => undefined);
    if (!info) continue; // removed meanwhile: nothing to collect
    const run = await store.findRun(entry.name);
    items.push({
      kind: "workspace",
      ref: path,
      group: run?.meta.repo ?? UNKNOWN_REPO,
      createdAt: info.mtime.toISOString(),
      runId: entry.name,
    });
  }
  return items;
}

export async function removeWorkspaceDir(path: string): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true, maxRetries: 2 });
  } catch (error) {
    throw new StorageError("workspace_remove_failed", `cannot remove ${path}`, { cause: error });
  }
}
