import { appendFile, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import lockfile from "proper-lockfile";
import { describe, expect, it } from "vitest";
import { FsRunIndex } from "../../adapters/index/fs-run-index.ts";
import { loadIndexFile } from "../../adapters/index/index-file.ts";
import { entryOf } from "../../core/index/run-index.ts";
import { makeRig, sha } from "../support/index-fixtures.ts";

async function fsRig(compactEvery?: number) {
  const rig = await makeRig("fs");
  const root = rig.root as string;
  const index = rig.index as FsRunIndex;
  return { rig, root, index, other: () => new FsRunIndex(root, compactEvery === undefined ? {} : { compactEvery }) };
}

const journalLines = async (index: FsRunIndex) =>
  (await readFile(index.journalPath, "utf8").catch(() => "")).split("\n").filter((l) => l.length > 0);

describe("fs run index: index.json + journal", () => {
  it("appends one journal line per upsert and leaves index.json alone until compaction", async () => {
    const { rig, index } = await fsRig();
    await index.compact();
    const before = await stat(index.indexPath);
    const a = await rig.run("demo.git", "refs/heads/main", sha("a1"));
    await rig.run("demo.git", "refs/heads/main", sha("b1"));
    await rig.move(a, { to: "failed", outcome: "cancelled" });
    expect(await journalLines(index)).toHaveLength(3);
    const after = await stat(index.indexPath);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(await loadIndexFile(index.indexPath)).toEqual({ kind: "loaded", entries: [], dropped: 0 });

    await index.compact();
    expect(await journalLines(index)).toHaveLength(0);
    const loaded = await loadIndexFile(index.indexPath);
    expect(loaded.kind === "loaded" && loaded.entries.map((e) => [e.number, e.status])).toEqual([
      [1, "failed"],
      [2, "pending"],
    ]);
  });

  it("compacts by itself once the journal passes its threshold", async () => {
    const { rig, root } = await fsRig();
    const index = new FsRunIndex(root, { compactEvery: 5 });
    await index.read();
    const run = await rig.run("demo.git", "refs/heads/main", sha("a1"));
    for (let i = 0; i < 5; i++) await index.upsert({ ...entryOf(run, `2030-01-01T00:00:0${i}.000Z`), last_job: `job${i}` });
    await index.settled();
    const loaded = await loadIndexFile(index.indexPath);
    expect(loaded.kind === "loaded" && loaded.entries.map((e) => e.last_job)).toEqual(["job4"]);
    expect(await journalLines(index)).toHaveLength(0);
  });

  it("a reader sees what another process appended, without loading anything twice", async () => {
    const { rig, index, other } = await fsRig();
    await rig.run("demo.git", "refs/heads/main", sha("a1"));
    expect((await index.read()).size).toBe(1);
    const writer = other();
    const b = await rig.run("demo.git", "refs/heads/main", sha("b1"));
    await writer.upsert({ ...entryOf(b, "2030-01-01T00:00:00.000Z"), last_job: "from-the-other-process" });
    const view = await index.read();
    expect(view.size).toBe(2);
    expect(view.get(b.meta.run_id)?.last_job).toBe("from-the-other-process");
  });

  it("waits for the lock while another process holds it, and makes its directory again if it was removed", async () => {
    const { rig, root, index } = await fsRig();
    const run = await rig.run("demo.git", "refs/heads/main", sha("a1"));
    // The holder speaks proper-lockfile, the protocol DirLock kept: an older quire (a `quire ci run` from an earlier install) still locks this way.
    const release = await lockfile.lock(root, { lockfilePath: join(root, ".index.lock"), realpath: false });
    let released = false;
    const upsert = index.upsert({ ...entryOf(run, "2030-01-01T00:00:00.000Z"), last_job: "waited" }).then(() => released);
    await sleep(50); // the holder keeps the lock a while; the upsert polls meanwhile
    released = true;
    await release();
    expect(await upsert).toBe(true);
    expect((await journalLines(index)).at(-1)).toContain('"last_job":"waited"');

    await rm(root, { recursive: true, force: true });
    await index.upsert({ ...entryOf(run, "2030-01-01T00:00:01.000Z"), last_job: "after" });
    expect(await journalLines(index)).toEqual([expect.stringContaining('"last_job":"after"')]);
  });

  it("skips a line torn by a crash and keeps reading after it", async () => {
    const { rig, index, other } = await fsRig();
    await rig.run("demo.git", "refs/heads/main", sha("a1"));
    await index.read();
    await appendFile(index.journalPath, '{"by":"dead-writer","run":{"run_id":"0190a000-00');
    expect((await index.read()).size).toBe(1);
    const b = await rig.run("demo.git", "refs/heads/main", sha("b1"));
    await other().upsert(entryOf(b, "2026-01-01T00:00:00.000Z"));
    expect((await index.read()).get(b.meta.run_id)?.number).toBe(2);
    // a fresh process replaying the whole journal agrees
    expect((await other().read()).size).toBe(2);
  });

  it("reloads when another process compacted, keeping everything", async () => {
    const { rig, index, other } = await fsRig();
    await rig.run("demo.git", "refs/heads/main", sha("a1"));
    await index.read();
    const compactor = other();
    await compactor.read();
    const b = await rig.run("demo.git", "refs/heads/main", sha("b1"));
    await compactor.upsert({ ...entryOf(b, "2030-01-01T00:00:00.000Z"), last_job: "seen-by-compactor" });
    await compactor.compact();
    const c = await rig.run("demo.git", "refs/heads/main", sha("c1"));
    const view = await index.read();
    expect([...view.entries()].map((e) => e.number)).toEqual([1, 2, 3]);
    expect(view.get(b.meta.run_id)?.last_job).toBe("seen-by-compactor");
    expect(view.get(c.meta.run_id)?.status).toBe("pending");
  });

  it("an unreadable index.json is replaced by a repair from the directories", async () => {
    const { rig, index, other } = await fsRig();
    await rig.run("demo.git", "refs/heads/main", sha("a1"));
    await rig.run("work/lib.git", "refs/heads/main", sha("b1"));
    await index.compact();
    await writeFile(index.indexPath, '{"version":1,"runs":[{"run_id":');
    const fresh = other();
    expect((await fresh.read()).size).toBe(0);
    expect(await fresh.repair()).toEqual({ added: 2, updated: 0, removed: 0, total: 2 });
    await fresh.settled(); // index.json is rewritten in the background
    expect(await loadIndexFile(index.indexPath)).toMatchObject({ kind: "loaded", dropped: 0 });
  });

  it("loses nothing appended while it compacts", async () => {
    const { rig, index, other } = await fsRig();
    const base = await rig.run("demo.git", "refs/heads/main", sha("a1"));
    await index.read();
    const writer = other();
    const ids = Array.from({ length: 200 }, (_, i) => `0190b000-0000-7000-8000-${i.toString(16).padStart(12, "0")}`);
    const appends = Promise.all(ids.map((run_id, i) => writer.upsert({ ...entryOf(base, "2030-01-01T00:00:00.000Z"), run_id, number: i + 2 })));
    await Promise.all([appends, index.compact(), index.compact(), (async () => { await index.read(); await index.compact(); })()]);
    await index.settled();
    expect((await index.read()).size).toBe(201);
    expect((await other().read()).size).toBe(201);
  });

  it("repairs reach other readers through the journal", async () => {
    const { rig, index, other } = await fsRig();
    const a = await rig.run("demo.git", "refs/heads/main", sha("a1"));
    await index.upsert({ ...entryOf(a, "2030-01-01T00:00:00.000Z"), run_id: "0190a000-0000-7000-8000-0000000000dd", number: 9 });
    const reader = other();
    expect((await reader.read()).size).toBe(2);
    expect(await index.repair()).toMatchObject({ removed: 1, total: 1 });
    expect((await reader.read()).get("0190a000-0000-7000-8000-0000000000dd")).toBeUndefined();
    await index.settled();
    expect((await other().read()).size).toBe(1);
  });
});
