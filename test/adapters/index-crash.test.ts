import { readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../support/temp-dir.ts";
import { FsRunIndex } from "../../adapters/index/fs-run-index.ts";
import { loadIndexFile } from "../../adapters/index/index-file.ts";
import { createBareRepo } from "../../adapters/git/repo-admin.ts";
import { FsRunStore } from "../../adapters/storage/fs-run-store.ts";
import { entryOf, recordedAt, sameFacts, type IndexEntry } from "../../core/index/run-index.ts";
import type { RepoName } from "../../core/types.ts";
import { git, WorkClone } from "../support/git.ts";
import { startServer, tempHome, type ServerProcess } from "../support/quire-process.ts";
import { postPush } from "../support/runs-api.ts";

const REPOS = ["a.git", "b.git", "team/c.git"];
const src = (path: string) => JSON.stringify(fileURLToPath(new URL(`../../${path}`, import.meta.url)));

/** Another process moving its own runs through every state as fast as it can, until killed. */
const CHURN = `
import { FsRunStore } from ${src("adapters/storage/fs-run-store.ts")};
import { FsRunIndex } from ${src("adapters/index/fs-run-index.ts")};
import { IndexedRunStore } from ${src("adapters/index/indexed-run-store.ts")};
import { systemClock } from ${src("adapters/clock/system-clock.ts")};
import { uuidIds } from ${src("adapters/ids/uuid-ids.ts")};
import { draftRun } from ${src("core/intake/create-run.ts")};
import { planTransition } from ${src("core/run/transition.ts")};
const [root, repo, sha] = process.argv.slice(2);
const store = new IndexedRunStore(new FsRunStore(root), new FsRunIndex(root), systemClock);
process.stdout.write("ready\\n");
// Owned like a real runner's lease: once this process is killed, reconcile orphans its active run.
const lease = { owner: \`\${hostname()}:\${process.pid}:churn\`, expires_at: "2999-01-01T00:00:00Z" };
for (;;) {
  let run = await store.createRun(draftRun({ repo, update: { ref: "refs/heads/churn", old_sha: "0".repeat(40), new_sha: sha }, pushed_at: systemClock.now(), pipeline: ".quire/ci.ts" }, uuidIds, systemClock));
  for (const target of [{ to: "active", lease }, { to: "failed", outcome: "failed" }]) {
    const next = planTransition(run, target, systemClock.now());
    const moved = await store.moveRun(repo, run.meta.run_id, run.state.status, next.value);
    if (moved.kind !== "moved") break;
    run = moved.record;
  }
}
`;

let home: string;
let sha: string;
let server: ServerProcess | undefined;

beforeAll(async () => {
  home = await tempHome();
  // requeued runs after the restart run side by side, so the test waits less for them
  await writeFile(join(home, "config.yml"), "concurrency: 8\n");
  for (const repo of REPOS) await createBareRepo(join(home, "repos"), repo as RepoName, "#!/bin/sh\nexit 0\n");
  const clone = await WorkClone.of(join(home, "repos", "a.git"));
  // A pipeline that fails to bundle: each run goes pending → active → failed in a few ms,
  // so the server's burst is as many index updates as it can make.
  sha = await clone.commit({ ".quire/ci.ts": "job(\n" });
  for (const repo of REPOS) await git(clone.dir, ["push", "--quiet", "--force", join(home, "repos", repo), "main"]);
});

afterAll(async () => {
  await server?.kill();
});

const runsDir = () => join(home, "runs");

async function indexedRuns(s: ServerProcess): Promise<IndexEntry[]> {
  const all: IndexEntry[] = [];
  let cursor: string | null = null;
  do {
    const page = (await (await s.request(`/runs?limit=500${cursor ? `&cursor=${cursor}` : ""}`)).json()) as { runs: IndexEntry[]; next_cursor: string | null };
    all.push(...page.runs);
    cursor = page.next_cursor;
  } while (cursor);
  return all;
}

async function onDisk(): Promise<IndexEntry[]> {
  return (await new FsRunStore(runsDir()).listRuns()).map((run) => entryOf(run, recordedAt(run)));
}

function expectSame(index: readonly IndexEntry[], disk: readonly IndexEntry[]): void {
  const byId = new Map(index.map((e) => [e.run_id, e]));
  expect(byId.size).toBe(index.length);
  expect(index.length).toBe(disk.length);
  const differing = disk.filter((d) => !byId.has(d.run_id) || !sameFacts(byId.get(d.run_id) as IndexEntry, d));
  expect(differing).toEqual([]);
}

describe("index after SIGKILL mid-burst", () => {
  it("stays readable, and after the restart's reconcile equals the run directories", async () => {
    server = await startServer(home);
    const script = join(await tempDir("quire-churn-"), "churn.mts");
    await writeFile(script, CHURN);
    const churn = execa(process.execPath, ["--import", "tsx", script, runsDir(), "b.git", sha], { reject: false });
    await new Promise((resolve) => churn.stdout?.once("data", resolve));

    let accepted = 0;
    const s = server;
    const post = async (i: number) => {
      const response = await postPush(s, REPOS[i % REPOS.length] as string, `refs/heads/b${i}`, sha);
      if (response.status === 202) accepted += 1;
    };
    // Pushes keep coming, 8 at a time, while runs execute and the other process churns;
    // both die by SIGKILL once enough has happened. Posts to the dead server fail at once,
    // so the burst is stopped then rather than left spinning through the rest of the test.
    let bursting = true;
    const burst = (async () => {
      for (let i = 0; bursting; i += 8) await Promise.all(Array.from({ length: 8 }, (_, k) => post(i + k))).catch(() => undefined);
    })();
    while (accepted < 80) await new Promise((resolve) => setTimeout(resolve, 20));
    churn.kill("SIGKILL");
    await server.kill();
    server = undefined;
    bursting = false;
    await burst;
    await churn;

    // Readable as the crash left it: index.json whole, the journal at most torn at its end.
    // (absent is fine: a first server only compacts once there is something to compact)
    expect((await loadIndexFile(join(runsDir(), "index.json"))).kind).not.toBe("unreadable");
    const journal = (await readFile(join(runsDir(), "index.journal"), "utf8")).split("\n").filter(Boolean);
    const unparsable = journal.filter((line) => {
      try {
        JSON.parse(line);
        return false;
      } catch {
        return true;
      }
    });
    expect(unparsable.length).toBeLessThanOrEqual(2);
    expect((await new FsRunIndex(runsDir()).read()).size).toBeGreaterThanOrEqual(80);

    // Restart: reconcile orphans what was active, requeues what was pending, repairs the index.
    // (It may first wait for a repo lock the dead server held to go stale: up to 10 s.)
    server = await startServer(home);
    const live = server;
    const settled = async () => {
      const [pending, active] = await Promise.all(["pending", "active"].map(async (status) => (await (await live.request(`/runs?status=${status}&limit=1`)).json()) as { runs: unknown[] }));
      return pending!.runs.length === 0 && active!.runs.length === 0;
    };
    const deadline = Date.now() + 60_000;
    while (!(await settled())) {
      if (Date.now() > deadline) {
        const stuck = (await indexedRuns(live)).filter((e) => e.status === "pending" || e.status === "active");
        const disk = (await onDisk()).filter((e) => stuck.some((l) => l.run_id === e.run_id));
        throw new Error(`runs still live after 60 s:\nindex ${JSON.stringify(stuck)}\ndisk ${JSON.stringify(disk)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expectSame(await indexedRuns(live), await onDisk());
    const again = (await (await live.request("/reconcile", { method: "POST", headers: { authorization: `Bearer ${live.token}` } })).json()) as {
      index: { added: number; updated: number; removed: number };
    };
    expect(again.index).toMatchObject({ added: 0, updated: 0, removed: 0 });

    // What is on disk (index.json + journal) agrees too, as a fresh reader loads it.
    expectSame([...(await new FsRunIndex(runsDir()).read()).entries()], await onDisk());
  }, 120_000);
});
