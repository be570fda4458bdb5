import { mkdir, readdir, rm, rmdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ProcessTracker } from "../../core/ports/exec.ts";
import type { ProcessJanitor } from "../../core/ports/janitors.ts";

/**
 * Host commands run in process groups of their own, so a SIGKILLed server leaves them
 * behind. Each live group is an empty file `<root>/<run-id>/<pgid>`; reconcile kills
 * the groups of runs that are no longer active.
 */
export class ProcessRegistry implements ProcessJanitor {
  constructor(private readonly root: string) {}

  tracker(runId: string): ProcessTracker {
    const dir = join(this.root, runId);
    // Made once per run rather than once per command; a failed attempt is tried again.
    let made: Promise<unknown> | undefined;
    const makeDir = (): Promise<unknown> =>
      (made ??= mkdir(dir, { recursive: true }).catch((error: unknown) => {
        made = undefined;
        throw error;
      }));
    return {
      started: async (pgid) => {
        const file = join(dir, String(pgid));
        await makeDir();
        await writeFile(file, "").catch(async (error: unknown) => {
          if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
          // killRun removed the directory since it was made; make it again, or this group goes unrecorded.
          made = undefined;
          await makeDir();
          await writeFile(file, "");
        });
      },
      ended: async (pgid) => {
        await rm(join(dir, String(pgid)), { force: true });
        // The last group of a run takes its directory along, so empty ones never pile up; a
        // group started meanwhile makes it again (see started).
        made = undefined;
        await rmdir(dir).catch(() => undefined);
      },
    };
  }

  async listRuns(): Promise<string[]> {
    return readdir(this.root).catch(absentAsEmpty);
  }

  async killRun(runId: string): Promise<number> {
    const dir = join(this.root, runId);
    let alive = 0;
    for (const name of await readdir(dir).catch(absentAsEmpty)) {
      const pgid = Number(name);
      if (!Number.isInteger(pgid) || pgid <= 1) continue;
      try {
        process.kill(-pgid, "SIGKILL");
        alive += 1;
      } catch {
        // ESRCH: the group is already gone.
      }
    }
    await rm(dir, { recursive: true, force: true });
    return alive;
  }
}

/** No directory means nothing recorded; any other failure must not hide stray processes. */
function absentAsEmpty(error: unknown): string[] {
  if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
  throw error;
}
