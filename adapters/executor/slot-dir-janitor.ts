/**
 * Slot directories a server that died left behind: each run's sandbox removes its own
 * (`<workspaces>/.slots/<run-id>-XXXXXX`, slot-fifos.ts) when it ends, but not when the
 * server was killed. Reconcile removes those of runs nothing runs any more, as it does
 * their workspaces, and whether or not workspaces are kept: these hold only FIFOs.
 */
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { StorageError } from "../../core/errors.ts";
import type { WorkspaceJanitor } from "../../core/ports/janitors.ts";
import { RUN_ID_PATTERN } from "../../core/run/run-layout.ts";
import { slotsRoot } from "./slot-fifos.ts";

const runIdOf = (name: string): string | undefined => {
  const runId = name.slice(0, name.lastIndexOf("-"));
  return RUN_ID_PATTERN.test(runId) ? runId : undefined;
};

export function slotDirJanitor(workspacesRoot: string): WorkspaceJanitor {
  const root = slotsRoot(workspacesRoot);
  const entries = async (): Promise<string[]> => {
    try {
      return (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw new StorageError("workspaces_unreadable", `cannot list ${root}`, { cause: error });
    }
  };
  return {
    async listRuns() {
      return [...new Set((await entries()).map(runIdOf).filter((id) => id !== undefined))];
    },
    async remove(runId) {
      if (!RUN_ID_PATTERN.test(runId)) return;
      const mine = (await entries()).filter((name) => runIdOf(name) === runId);
      await Promise.all(mine.map((name) => rm(join(root, name), { recursive: true, force: true })));
    },
  };
}

/** A run's workspace and the slot directory of its host sandbox beside it go together. */
export function withSlotDirs(workspaces: WorkspaceJanitor, workspacesRoot: string): WorkspaceJanitor {
  const slots = slotDirJanitor(workspacesRoot);
  return {
    listRuns: async () => [...new Set([...(await workspaces.listRuns()), ...(await slots.listRuns())])],
    remove: async (runId) => {
      await workspaces.remove(runId);
      await slots.remove(runId);
    },
  };
}
