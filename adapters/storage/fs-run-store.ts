import { mkdirSync, renameSync } from "node:fs";
import { mkdir, rename } from "node:fs/promises";
import { join } from "node:path";
import type { MoveResult, RunFilter, RunStore, SweepReport } from "../../core/ports/storage.ts";
import { RUN_STATES, type RepoName, type RunDraft, type RunRecord, type RunState, type RunStateRecord } from "../../core/types.ts";
import { FsLayout } from "./fs-layout.ts";
import { GroupCommit } from "./group-commit.ts";
import { KeyedMutex } from "./keyed-mutex.ts";
import { withRepoLock } from "./repo-lock.ts";
import { RunCounters, type Claim } from "./run-counter.ts";
import { TurnOrder } from "./turn-order.ts";
import { readRunDir, writeState } from "./run-files.ts";
import { stageRun } from "./run-staging.ts";
import { clearTemps, STAGING_DIR, sweepRepo, sweepRepoDir } from "./fs-sweep.ts";
import { isTerminal } from "../../core/run/transition.ts";

/** Create batches of one repo written at once (see GroupCommit). */
const CREATE_DEPTH = 8;

const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Run records as plain files under `<home>/runs`. */
export class FsRunStore implements RunStore {
  readonly layout: FsLayout;
  private readonly repoMutex = new KeyedMutex();
  private readonly runMutex = new KeyedMutex();
  private readonly counters: RunCounters;
  // Concurrent creates in one repo share one counter write and overlapping fsyncs, and the
  // batches that follow each other under load share one take of the repo lock. A batch
  // starts while the ones before still wait for their fsyncs; it claims its numbers and
  // publishes its runs in the order the batches started.
  private readonly creates = new GroupCommit<RunDraft, RunRecord>((repo, drafts) => this.createBatch(repo as RepoName, drafts), {
    hold: (repo, drain) => this.repoMutex.run(repo, () => withRepoLock(this.layout.repoDir(repo as RepoName), () => this.holding(repo as RepoName, drain))),
    depth: CREATE_DEPTH,
  });
  private readonly claims = new TurnOrder();
  private readonly publishes = new TurnOrder();

  constructor(root: string) {
    this.layout = new FsLayout(root);
    this.counters = new RunCounters(this.layout, (repo) => this.highestNumber(repo));
  }

  createRun(draft: RunDraft): Promise<RunRecord> {
    return this.creates.add(draft.repo, draft);
  }

  private async holding(repo: RepoName, drain: () => Promise<void>): Promise<void> {
    try {
      await drain();
    } finally {
      this.counters.endHold(repo);
    }
  }

  /** Called with the repo lock held (see `creates`), in the order the batches were taken. */
  private async createBatch(repo: RepoName, drafts: RunDraft[]): Promise<RunRecord[]> {
    // Both turns are taken before the first await: their order is the order of the calls.
    const claimTurn = this.claims.take(repo);
    const publishTurn = this.publishes.take(repo);
    try {
      let claim: Claim;
      try {
        await claimTurn.before;
        claim = await this.counters.claim(repo, drafts.map((d) => d.run_id));
      } finally {
        claimTurn.done();
      }
      return await this.stageAndPublish(repo, drafts, claim, publishTurn.before);
    } finally {
      publishTurn.done();
    }
  }

  private async stageAndPublish(repo: RepoName, drafts: RunDraft[], claim: Claim, turn: Promise<void>): Promise<RunRecord[]> {
    const repoDir = this.layout.repoDir(repo);
    const records = drafts.map((d, i): RunRecord => ({ meta: d.meta(claim.first + i), state: d.state }));
    const staging = (r: RunRecord) => join(repoDir, STAGING_DIR, r.meta.run_id);
    // The counter write and the staging overlap; nothing is published before both are durable.
    // Settled, not raced: no write may still be running once the lock is released.
    // Promise.resolve().then: a synchronous throw of one stage becomes its rejection.
    const staged = await Promise.allSettled([
      claim.staged,
      Promise.resolve().then(() => mkdirSync(this.layout.stateDir(repo, "pending"), { recursive: true })),
      ...records.map((r) => Promise.resolve().then(() => stageRun(staging(r), r))),
    ]);
    await turn;
    const failed = staged.find((s) => s.status === "rejected");
    if (failed) {
      await claim.abandon();
      throw failed.reason;
    }
    try {
      await claim.commit();
    } catch (error) {
      await claim.abandon();
      throw error;
    }
    // Renames are metadata syscalls of microseconds: done in place, not as thread-pool round trips.
    for (const r of records) renameSync(staging(r), this.layout.runDir(repo, "pending", r.meta.run_id));
    return records;
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
      if (isTerminal(next.status)) await clearTemps(dir);
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
