import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FsRunStore } from "../../adapters/storage/fs-run-store.ts";
import type { RunRecord } from "../../core/types.ts";
import { pendingDraft } from "../support/run-fixtures.ts";
import { tempDir } from "../support/temp-dir.ts";

const REPO = "demo.git";
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Creates in waves, one turn of the event loop apart, so several batches are written at once. */
async function createInWaves(store: FsRunStore, waves: number, perWave: number, runIdAt: (wave: number, i: number) => string | undefined) {
  const creates: Promise<RunRecord>[] = [];
  for (let wave = 0; wave < waves; wave++) {
    for (let i = 0; i < perWave; i++) {
      const runId = runIdAt(wave, i);
      creates.push(store.createRun(pendingDraft({ repo: REPO, ...(runId === undefined ? {} : { runId }) })));
    }
    await nextTurn();
  }
  return Promise.allSettled(creates);
}

describe("FsRunStore creates written while earlier batches still wait for the disk", () => {
  it("numbers every run once, 1..n, across overlapping batches", async () => {
    const root = join(await tempDir("quire-pipelined-"), "runs");
    const store = new FsRunStore(root);
    const settled = await createInWaves(store, 8, 5, () => undefined);
    const numbers = settled.map((s) => (s.status === "fulfilled" ? s.value.meta.number : -1)).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const counter = JSON.parse(await readFile(join(root, REPO, "counter.json"), "utf8")) as { last: number };
    expect(counter.last).toBe(40);
    expect((await new FsRunStore(root).createRun(pendingDraft({ repo: REPO }))).meta.number).toBe(41);
  });

  it("a batch that fails loses only its own runs; no number is handed out twice, and the counter never goes back", async () => {
    const root = join(await tempDir("quire-pipelined-"), "runs");
    const store = new FsRunStore(root);
    await store.createRun(pendingDraft({ repo: REPO }));
    // A file where one run's staging directory must go: that run's batch cannot be staged.
    const doomed = "0190a000-0000-7000-8000-00000000d00d";
    await mkdir(join(root, REPO, ".tmp"), { recursive: true });
    await writeFile(join(root, REPO, ".tmp", doomed), "in the way");
    const settled = await createInWaves(store, 8, 4, (wave, i) => (wave === 3 && i === 1 ? doomed : undefined));
    const made = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
    const failed = settled.filter((s) => s.status === "rejected");
    expect(failed.length).toBeGreaterThan(0);
    expect(made.length + failed.length).toBe(32);
    const numbers = made.map((r) => r.meta.number);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(Math.min(...numbers)).toBeGreaterThan(1);
    const counter = JSON.parse(await readFile(join(root, REPO, "counter.json"), "utf8")) as { last: number };
    expect(counter.last).toBeGreaterThanOrEqual(Math.max(...numbers));
    // Another process (a fresh store) continues after every number on disk.
    const later = await new FsRunStore(root).createRun(pendingDraft({ repo: REPO }));
    expect(later.meta.number).toBeGreaterThan(Math.max(...numbers));
    const onDisk = (await store.listRuns()).map((r) => r.meta.number);
    expect(new Set(onDisk).size).toBe(onDisk.length);
    expect(onDisk).toHaveLength(made.length + 2);
  });
});
