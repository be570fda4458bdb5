import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, readdir, readFile, rename, utimes, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { FakeClock } from "../../adapters/clock/fake-clock.ts";
import { FakeIds } from "../../adapters/ids/fake-ids.ts";
import { tempPath } from "../../adapters/storage/atomic-write.ts";
import { FsRunStore } from "../../adapters/storage/fs-run-store.ts";
import { leaseFor } from "../../core/run/lease.ts";
import { planTransition } from "../../core/run/transition.ts";
import type { RepoName, RunRecord } from "../../core/types.ts";
import { runStoreContract } from "./run-store.contract.ts";
import { tempDir } from "../support/temp-dir.ts";
import { createPendingRun } from "../support/run-fixtures.ts";

const tempRuns = async () => join(await tempDir("quire-store-"), "runs");

runStoreContract("fs", async () => ({ store: new FsRunStore(await tempRuns()) }));

const FOO = "foo.git" as RepoName;
const clock = new FakeClock();

function creator(store: FsRunStore, ids = new FakeIds()) {
  return () => createPendingRun(store, { repo: FOO, sha: "d".repeat(40), pushedAt: "2026-11-21T10:00:00Z", ids, clock });
}

describe("FsRunStore on disk", () => {
  it("lays a run out as runs/<repo>/<state>/<id>/{meta,state}.yml in plain YAML", async () => {
    const root = await tempRuns();
    const run = await creator(new FsRunStore(root))();
    const dir = join(root, "foo.git", "pending", run.meta.run_id);
    expect((await readdir(dir)).sort()).toEqual(["meta.yml", "state.yml"]);
    expect(parse(await readFile(join(dir, "meta.yml"), "utf8"))).toEqual(run.meta);
    expect(parse(await readFile(join(dir, "state.yml"), "utf8"))).toEqual(run.state);
  });

  it("moves a run with one rename and rewrites state.yml to match its new directory", async () => {
    const root = await tempRuns();
    const store = new FsRunStore(root);
    const run = await creator(store)();
    const next = planTransition(run, { to: "active", lease: leaseFor("me", clock) }, clock.now());
    if (!next.ok) throw new Error("setup");
    await store.moveRun(FOO, run.meta.run_id, "pending", next.value);
    expect(await readdir(join(root, "foo.git", "pending"))).toEqual([]);
    const state = parse(await readFile(join(root, "foo.git", "active", run.meta.run_id, "state.yml"), "utf8"));
    expect(state).toEqual(next.value);
  });

  it("keeps numbering across store instances, as across processes", async () => {
    const root = await tempRuns();
    const ids = new FakeIds();
    const a = creator(new FsRunStore(root), ids);
    const b = creator(new FsRunStore(root), ids);
    const runs = await Promise.all([a(), b(), a(), b(), a(), b()]);
    expect(runs.map((r) => r.meta.number).sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("hands a number out again when its run never reached disk", async () => {
    const root = await tempRuns();
    const create = creator(new FsRunStore(root));
    await create();
    // A crash after the counter was written but before the run's rename.
    await writeFile(join(root, "foo.git", "counter.json"), JSON.stringify({ last: 2, run_id: "0190a000-0000-7000-8000-0000000000ff" }));
    expect((await create()).meta.number).toBe(2);
    expect((await create()).meta.number).toBe(3);
  });

  it("hands out again the numbers of a crashed batch's runs that never reached disk", async () => {
    const root = await tempRuns();
    const create = creator(new FsRunStore(root));
    const runs = [];
    for (let i = 0; i < 4; i++) runs.push(await create());
    // A batch of three claimed 4..6; only its first run was renamed into pending/ before the crash.
    const gone = (n: number) => `0190a000-0000-7000-8000-0000000000f${n}`;
    await writeFile(join(root, "foo.git", "counter.json"), JSON.stringify({ last: 6, run_ids: [runs[3]?.meta.run_id, gone(1), gone(2)] }));
    expect((await create()).meta.number).toBe(5);
  });

  it("batches concurrent creates and still numbers them 1..n in one repo", async () => {
    const root = await tempRuns();
    const store = new FsRunStore(root);
    const create = creator(store);
    const runs = await Promise.all(Array.from({ length: 40 }, () => create()));
    expect(runs.map((r) => r.meta.number).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const counter = JSON.parse(await readFile(join(root, "foo.git", "counter.json"), "utf8")) as { last: number; run_ids: string[] };
    expect(counter.last).toBe(40);
    // The last counter write names the last batch, which held more than one run: creates were grouped.
    expect(counter.run_ids.length).toBeGreaterThan(1);
    expect((await store.listRuns()).map((r) => r.meta.number).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it("rebuilds the counter from the runs when it is lost", async () => {
    const root = await tempRuns();
    const create = creator(new FsRunStore(root));
    await create();
    await create();
    await rename(join(root, "foo.git", "counter.json"), join(root, "lost.json"));
    expect((await create()).meta.number).toBe(3);
  });

  it("sweep removes staging dirs, counter temp files and stale run temp files, and rolls a half-done move forward", async () => {
    const root = await tempRuns();
    const store = new FsRunStore(root);
    const create = creator(store);
    const stuck = await create();
    const other = await create();
    const pendingDir = join(root, "foo.git", "pending", stuck.meta.run_id);
    // A crash between writing state.yml and the rename: the file says active, the directory says pending.
    const ahead = planTransition(stuck, { to: "active", lease: leaseFor("gone", clock) }, clock.now());
    if (!ahead.ok) throw new Error("setup");
    await writeFile(join(pendingDir, "state.yml"), stringify(ahead.value));
    const oldTemp = join(root, "foo.git", "pending", other.meta.run_id, ".state.yml.tmp-dead");
    const freshTemp = join(root, "foo.git", "pending", other.meta.run_id, ".state.yml.tmp-live");
    await writeFile(oldTemp, "half");
    await writeFile(freshTemp, "in flight");
    const longAgo = new Date(Date.now() - 3_600_000);
    await utimes(oldTemp, longAgo, longAgo);
    // A create killed mid-way: its staging dir, and a counter write that never got renamed. Both are
    // written only under the repo lock, so they go at once, however young.
    await mkdir(join(root, "foo.git", ".tmp", "0190a000-0000-7000-8000-0000000000ee"), { recursive: true });
    await writeFile(join(root, "foo.git", ".counter.json.tmp-0123456789ab"), "{\"last\":");

    const report = await store.sweep();
    expect(report).toEqual({ removedTemp: 3, rolledForward: [stuck.meta.run_id] });
    expect((await readdir(join(root, "foo.git"))).sort()).toEqual(["active", "counter.json", "pending"]);
    expect(await store.getRun(FOO, stuck.meta.run_id)).toEqual({ meta: stuck.meta, state: ahead.value });
    expect((await readdir(join(root, "foo.git", "pending", other.meta.run_id))).sort()).toEqual([".state.yml.tmp-live", "meta.yml", "state.yml"]);
    expect(await store.sweep()).toEqual({ removedTemp: 0, rolledForward: [] });
  });

  it("a move into a terminal state clears the temp files a dead writer left, jobs/ included", async () => {
    const root = await tempRuns();
    const store = new FsRunStore(root);
    const run = await creator(store)();
    const active = planTransition(run, { to: "active", lease: leaseFor("gone", clock) }, clock.now());
    if (!active.ok) throw new Error("setup");
    // The owner died writing state.yml and a job receipt; then the run was orphaned and moved on.
    const activeDir = join(root, "foo.git", "pending", run.meta.run_id);
    await mkdir(join(activeDir, "jobs", "test"), { recursive: true });
    const temps = [join(activeDir, ".state.yml.tmp-aaaaaaaaaaaa"), join(activeDir, "jobs", "test", ".receipt.json.tmp-bbbbbbbbbbbb")];
    for (const temp of temps) await writeFile(temp, "half");
    await store.moveRun(FOO, run.meta.run_id, "pending", active.value);
    const failed = planTransition({ ...run, state: active.value }, { to: "failed", outcome: "orphaned" }, clock.now());
    if (!failed.ok) throw new Error("setup");
    await store.moveRun(FOO, run.meta.run_id, "active", failed.value);
    const failedDir = join(root, "foo.git", "failed", run.meta.run_id);
    expect((await readdir(failedDir, { recursive: true })).sort()).toEqual(["jobs", "jobs/test", "meta.yml", "state.yml"]);
    expect(await store.sweep()).toEqual({ removedTemp: 0, rolledForward: [] });
  });

  it("sweep removes a fresh temp file at once when its writer's pid is dead, and spares live writers'", async () => {
    const root = await tempRuns();
    const store = new FsRunStore(root);
    const run = await creator(store)();
    const dir = join(root, "foo.git", "pending", run.meta.run_id);
    const exited = spawn("true");
    await once(exited, "exit");
    const dead = tempPath(join(dir, "state.yml"), exited.pid);
    const live = [tempPath(join(dir, "state.yml"), process.ppid), tempPath(join(dir, "state.yml"))];
    for (const temp of [dead, ...live]) await writeFile(temp, "half");

    expect(await store.sweep()).toEqual({ removedTemp: 1, rolledForward: [] });
    expect((await readdir(dir)).sort()).toEqual([...live.map((t) => basename(t)), "meta.yml", "state.yml"].sort());
  });

  it("lists every run exactly once while runs move underneath", async () => {
    const root = await tempRuns();
    const writer = new FsRunStore(root);
    const reader = new FsRunStore(root); // another instance: no shared in-process lock
    const create = creator(writer);
    const runs: RunRecord[] = [];
    for (let i = 0; i < 20; i++) runs.push(await create());
    const moves = (async () => {
      for (const run of runs) {
        const active = planTransition(run, { to: "active", lease: leaseFor("me", clock) }, clock.now());
        if (!active.ok) throw new Error("setup");
        await writer.moveRun(FOO, run.meta.run_id, "pending", active.value);
        const done = planTransition({ ...run, state: active.value }, { to: "complete" }, clock.now());
        if (!done.ok) throw new Error("setup");
        await writer.moveRun(FOO, run.meta.run_id, "active", done.value);
      }
    })();
    let listings = 0;
    let finished = false;
    void moves.finally(() => (finished = true));
    while (!finished) {
      const listed = await reader.listRuns();
      const ids = listed.map((r) => r.meta.run_id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(runs.length);
      listings += 1;
    }
    await moves;
    expect(listings).toBeGreaterThan(0);
  });
});
