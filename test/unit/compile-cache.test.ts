import { mkdtemp, readdir, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const { requireCached } = createRequire(import.meta.url)("../../bin/compile-cache.js") as {
  requireCached: (file: string) => { exports: { answer: () => number }; hit: boolean; saveLater: () => void };
};
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

const caches = async (dir: string) => (await readdir(dir)).filter((name) => name.endsWith(".v8cache"));
const saved = async (dir: string, count: number) => {
  for (let i = 0; i < 50 && (await caches(dir)).length < count; i++) await new Promise((resolve) => setTimeout(resolve, 100));
};

describe("the code cache of dist/serve.cjs (bin/compile-cache.js)", () => {
  it("runs the module, saves its cache after a start without one, and compiles from it next time", async () => {
    const dir = await mkdtemp(join(tmpdir(), "quire-cache-"));
    dirs.push(dir);
    const file = join(dir, "bundle.cjs");
    await writeFile(file, "exports.answer = () => 6 * 7;\n");
    const first = requireCached(file);
    expect(first.exports.answer()).toBe(42);
    expect(first.hit).toBe(false);
    first.saveLater();
    await saved(dir, 1);
    expect(await caches(dir)).toHaveLength(1);
    const second = requireCached(file);
    expect(second.hit).toBe(true);
    expect(second.exports.answer()).toBe(42);
  });

  it("never reads an older build's cache: a rebuilt file of the same length starts without one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "quire-cache-"));
    dirs.push(dir);
    const file = join(dir, "bundle.cjs");
    await writeFile(file, "exports.answer = () => 6 * 7;\n");
    const first = requireCached(file);
    first.saveLater();
    await saved(dir, 1);
    // As the build writes: a new file renamed into place, same length, other code.
    await writeFile(`${file}.tmp`, "exports.answer = () => 6 + 7;\n");
    await rename(`${file}.tmp`, file);
    const rebuilt = requireCached(file);
    expect(rebuilt.hit).toBe(false);
    expect(rebuilt.exports.answer()).toBe(13);
  });
});
