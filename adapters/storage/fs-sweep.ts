import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import type { SweepReport } from "../../core/ports/storage.ts";
import type { RepoName, RunState } from "../../core/types.ts";
import { TEMP_MARK, tempWriterGone } from "./atomic-write.ts";
import type { FsLayout } from "./fs-layout.ts";
import { readStateFile } from "./run-files.ts";

/** A temp file younger than this may belong to a write still in flight, unless its writer is known dead. */
const TEMP_GRACE_MS = 30_000;

const LATER: Record<RunState, readonly RunState[]> = {
  pending: ["active", "failed"],
  active: ["complete", "failed"],
  complete: [],
  failed: [],
};

type RunLock = <T>(runId: string, work: () => Promise<T>) => Promise<T>;

/** Where createRun stages a run before renaming it into pending/. */
export const STAGING_DIR = ".tmp";

/**
 * Call with the repo lock held. Staging dirs and the run counter are only written under
 * that lock, so whatever temp entry lies in the repo directory itself is a dead writer's,
 * whatever its age. Returns how many were removed.
 */
export async function sweepRepoDir(repoDir: string): Promise<number> {
  const names = await readdir(repoDir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    if (name === STAGING_DIR) {
      removed += (await readdir(join(repoDir, name)).catch(() => [] as string[])).length;
      await rm(join(repoDir, name), { recursive: true, force: true });
    } else if (name.includes(TEMP_MARK)) {
      await rm(join(repoDir, name), { force: true });
      removed += 1;
    }
  }
  return removed;
}

/**
 * Finishes what a crash interrupted in one repo. A move writes state.yml before the
 * rename, so a state.yml ahead of its directory (pending/ or active/) is rolled forward.
 * Only pending/ and active/ are walked, so a start stays fast after years of history:
 * a move into a terminal state clears the run's temp files first (`clearTemps`), so a
 * terminal directory never holds one.
 */
export async function sweepRepo(layout: FsLayout, repo: RepoName, lockRun: RunLock): Promise<SweepReport> {
  const report: SweepReport = { removedTemp: 0, rolledForward: [] };
  const cutoff = Date.now() - TEMP_GRACE_MS;
  for (const from of ["pending", "active"] as const) {
    for (const runId of await layout.runIds(repo, from)) {
      await lockRun(runId, async () => {
        const dir = layout.runDir(repo, from, runId);
        report.removedTemp += await removeStaleTemps(dir, cutoff);
        const state = await readStateFile(dir).catch(() => undefined);
        if (state && LATER[from].includes(state.status)) {
          await mkdir(layout.stateDir(repo, state.status), { recursive: true });
          await rename(dir, layout.runDir(repo, state.status, runId));
          report.rolledForward.push(runId);
        }
      });
    }
  }
  return report;
}

/** Every temp file in a run that is about to end: nothing writes to it any more. */
export const clearTemps = (dir: string): Promise<number> => removeStaleTemps(dir, Number.POSITIVE_INFINITY);

/** Temp files anywhere in a run directory (jobs/ too) whose writer died, or last touched before `cutoff`. */
async function removeStaleTemps(dir: string, cutoff: number): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir, { recursive: true });
  } catch {
    return 0; // moved meanwhile
  }
  let removed = 0;
  for (const name of names.filter((n) => basename(n).includes(TEMP_MARK))) {
    const path = join(dir, name);
    if (!tempWriterGone(basename(name))) {
      const info = await stat(path).catch(() => undefined);
      if (info === undefined || info.mtimeMs >= cutoff) continue;
    }
    if (await removeFile(path)) removed += 1;
  }
  return removed;
}

/** False when someone else removed it first (another sweep). */
async function removeFile(path: string): Promise<boolean> {
  try {
    await rm(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
