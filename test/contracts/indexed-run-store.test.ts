import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../adapters/clock/fake-clock.ts";
import { FakeIds } from "../../adapters/ids/fake-ids.ts";
import { FsRunIndex } from "../../adapters/index/fs-run-index.ts";
import { IndexedRunStore } from "../../adapters/index/indexed-run-store.ts";
import { MemoryRunIndex } from "../../adapters/index/memory-run-index.ts";
import { FsRunStore } from "../../adapters/storage/fs-run-store.ts";
import { MemoryRunStore } from "../../adapters/storage/memory-run-store.ts";
import { runStoreContract } from "./run-store.contract.ts";
import { tempDir } from "../support/temp-dir.ts";
import { createPendingRun } from "../support/run-fixtures.ts";

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function onDisk() {
  const dir = await tempDir("quire-indexed-store-");
  dirs.push(dir);
  const runs = join(dir, "runs");
  const index = new FsRunIndex(runs);
  return { store: new IndexedRunStore(new FsRunStore(runs), index, new FakeClock()), index };
}

function inMemory() {
  const inner = new MemoryRunStore();
  const index = new MemoryRunIndex(inner);
  return { store: new IndexedRunStore(inner, index, new FakeClock()), index };
}

// The store serve wires is the indexed one: it must keep every promise a RunStore makes.
runStoreContract("indexed over fs", onDisk);
runStoreContract("indexed over memory", async () => inMemory());

describe("IndexedRunStore keeps the index with the runs", () => {
  it.each([["fs", onDisk], ["memory", async () => inMemory()]] as const)("%s: a created run is in the index at once", async (_, make) => {
    const { store, index } = await make();
    const run = await createPendingRun(store, { repo: "foo.git", sha: "e".repeat(40), pushedAt: "2026-11-21T10:00:00Z", ids: new FakeIds(), clock: new FakeClock() });
    expect((await index.read()).get(run.meta.run_id)).toMatchObject({ run_id: run.meta.run_id, status: "pending", number: 1 });
  });
});
