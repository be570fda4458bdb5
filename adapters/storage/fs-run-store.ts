import { mkdir, readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { StorageError } from "../../core/errors.ts";
import type { MoveResult, RunFilter, RunStore, SweepReport } from "../../core/ports.ts";
import { RUN_STATES, type RepoName, type RunDraft, type RunRecord, type RunState, type RunStateRecord } from "../../core/types.ts";
import { writeFileAtomic } from "./atomic-write.ts";
import { FsLayout } from "./fs-layout.ts";
import { KeyedMutex } from "./keyed-mutex.ts";
import { withRepoLock } from "./repo-lock.ts";
import { readRunDir, writeMeta, writeState } from "./run-files.ts";
import { STAGING_DIR, sweepRepo, sweepRepoDir } from "./fs-sweep.ts";

const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const COUNTER_FILE = "counter.json";

interface Counter {
  last: number;
  /** The run that took `last`; if it never reached disk, its number is handed out again. */
  run_id: string | null;
}

/** Run records as plain files under `<home>/runs`. */
export class FsRunStore implements RunStore {
  readonly layout: FsLayout;
  private readonly repoMutex = new KeyedMutex();
  private readonly runMutex = new KeyedMutex();

  constructor(root: string) {
    this.layout = new FsLayout(root);
  }

  createRun(draft: RunDraft): Promise<RunRecord> {
    const repoDir = this.layout.repoDir(draft.repo);
    return this.repoMutex.run(draft.repo, () =>
      withRepoLock(repoDir, async () => {
        const number = await this.claimNumber(draft.repo, draft.run_id);
        const meta = draft.meta(number);
        const temp = join(repoDir, STAGING_DIR, draft.run_id);
        await mkdir(temp, { recursive: true });
        await writeMeta(temp, meta);
        await writeState(temp, draft.state);
        await mkdir(this.layout.stateDir(draft.repo, "pending"), { recursive: true });
        await rename(temp, this.layout.runDir(draft.repo, "pending", draft.run_id));
        return { meta, state: draft.state };
      }),
    );
  }

  private async claimNumber(repo: RepoName, runId: string): Promise<number> {
    const path = join(this.layout.repoDir(repo), COUNTER_FILE);
    let counter: Counter;
    try {
      counter = JSON.parse(await readFile(path, "utf8")) as Counter;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw wrap(error, "counter unreadable");
      counter = { last: await this.highestNumber(repo), run_id: null };
    }
    const lastExists = counter.run_id === null || (await this.layout.locate(repo, counter.run_id)) !== undefined;
    const number = lastExists ? counter.last + 1 : counter.last;
    await writeFileAtomic(path, JSON.stringify({ last: number, run_id: runId } satisfies Counter));
    return number;
  }

  private async highestNumber(repo: RepoName): Promise<number> {
    const runs = await this.listRuns({ repo });
    return runs.reduce((max, run) => Math.max(max, run.meta.number), 0);
  }

  async getRun(repo: RepoName, runId: string): Promise<RunRecord | undefined> {
    if (!RUN_ID.test(runId)) return undefined;
    // A run may move between locating and reading it; moves only go forward, so look again.
    for (let attempt = 0; attempt < RUN_STATES.length; attempt++) {
      const state = await this.layout.locate(repo, runId);
      if (state === undefined) return undefined;
      const run = await readIfPresent(this.layout.runDir(repo, state, runId), state);
      if (run) return run;
    }
    return undefined;
  }

  async findRun(runId: string): Promise<RunRecord | undefined> {
    if (!RUN_ID.test(runId)) return undefined;
    for (const repo of await this.layout.repos()) {
      const found = await this.getRun(repo, runId);
      if (found) return found;
    }
    return undefined;
  }

  async listRuns(filter: RunFilter = {}): Promise<RunRecord[]> {
    const repos = filter.repo ? [filter.repo] : await this.layout.repos();
    const states = filter.state ? [filter.state] : RUN_STATES;
    // Keyed by id: a run that moves forward while we walk the states in the same order is seen again, later wins.
    const runs = new Map<string, RunRecord>();
    for (const repo of repos) {
      for (const state of states) {
        for (const id of await this.layout.runIds(repo, state)) {
          const run = await readIfPresent(this.layout.runDir(repo, state, id), state);
          if (run) runs.set(id, run);
        }
      }
    }
    return [...runs.values()].sort((a, b) => a.meta.run_id.localeCompare(b.meta.run_id));
  }

  moveRun(repo: RepoName, runId: string, from: RunState, next: RunStateRecord): Promise<MoveResult> {
    return this.withRunAt(repo, runId, from, async (dir, meta) => {
      await writeState(dir, next);
      if (next.status !== from) {
        await mkdir(this.layout.stateDir(repo, next.status), { recursive: true });
        await rename(dir, this.layout.runDir(repo, next.status, runId));
      }
      return { kind: "moved", record: { meta, state: next } };
    });
  }

  updateState(repo: RepoName, runId: string, next: RunStateRecord): Promise<MoveResult> {
    return this.withRunAt(repo, runId, next.status, async (dir, meta) => {
      await writeState(dir, next);
      return { kind: "moved", record: { meta, state: next } };
    });
  }

  private withRunAt(
    repo: RepoName,
    runId: string,
    expected: RunState,
    work: (dir: string, meta: RunRecord["meta"]) => Promise<MoveResult>,
  ): Promise<MoveResult> {
    return this.runMutex.run(`${repo}/${runId}`, async () => {
      if (!RUN_ID.test(runId)) return { kind: "not-found" };
      const actual = await this.layout.locate(repo, runId);
      if (actual === undefined) return { kind: "not-found" };
      if (actual !== expected) return { kind: "wrong-state", actual };
      const dir = this.layout.runDir(repo, actual, runId);
      const { meta } = await readRunDir(dir, actual);
      return work(dir, meta);
    });
  }

  async sweep(): Promise<SweepReport> {
    const report: SweepReport = { removedTemp: 0, rolledForward: [] };
    for (const repo of await this.layout.repos()) {
      const repoDir = this.layout.repoDir(repo);
      report.removedTemp += await this.repoMutex.run(repo, () => withRepoLock(repoDir, () => sweepRepoDir(repoDir)));
      const part = await sweepRepo(this.layout, repo, (id, work) => this.runMutex.run(`${repo}/${id}`, work));
      report.removedTemp += part.removedTemp;
      report.rolledForward.push(...part.rolledForward);
    }
    return report;
  }
}

/** A run directory that vanished under us was moved by someone else; anything else is a real failure. */
async function readIfPresent(dir: string, state: RunState): Promise<RunRecord | undefined> {
  try {
    return await readRunDir(dir, state);
  } catch (error) {
    if (((error as { cause?: NodeJS.ErrnoException }).cause)?.code === "ENOENT") return undefined;
    throw error;
  }
}

function wrap(cause: unknown, message: string): StorageError {
  return new StorageError("storage_failed", message, { cause });
}
