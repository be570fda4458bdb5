import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/temp-dir.ts";

const CODE_CACHE = fileURLToPath(new URL("../../bin/code-cache.js", import.meta.url));
const { evaluateBundle, cacheFileOf } = createRequire(import.meta.url)(CODE_CACHE) as {
  evaluateBundle(file: string): { exports: { value: number; file: string }; cache: "used" | "rejected" | "none" };
  cacheFileOf(file: string, source: string): string | undefined;
};

/** A bundle that requires a file beside it and reports its own __filename. */
async function bundle(id: string | undefined, offset = 1) {
  const dir = await tempDir("quire-code-cache-");
  writeFileSync(join(dir, "dep.cjs"), "exports.x = 41;\n");
  const file = join(dir, "bundle.cjs");
  const body = `"use strict";\nfunction add(a) { return a + ${offset}; }\nexports.value = add(require("./dep.cjs").x);\nexports.file = __filename;\n`;
  writeFileSync(file, id === undefined ? body : `${body}\n//# quire-build=${id}\n`);
  return file;
}

/** What the build does: evaluate the bundle in a process of its own, writing the cache at exit. */
function makeCache(file: string, out: string): void {
  execFileSync(process.execPath, ["-e", `require(${JSON.stringify(CODE_CACHE)}).loadWithCodeCache(${JSON.stringify(file)})`], {
    env: { ...process.env, QUIRE_CODE_CACHE_OUT: out },
  });
}

describe("bin/code-cache.js", () => {
  it("evaluates a bundle as require() would, and uses the cache made for its build", async () => {
    const file = await bundle("0123456789abcdef0123");
    expect(evaluateBundle(file)).toEqual({ exports: { value: 42, file }, cache: "none" });
    const cache = cacheFileOf(file, readFileSync(file, "utf8"));
    expect(cache).toBe(`${file}.0123456789abcdef0123.cache`);
    makeCache(file, cache as string);
    expect(evaluateBundle(file)).toEqual({ exports: { value: 42, file }, cache: "used" });
  });

  it("never uses a cache made for another build, even of the same length", async () => {
    const older = await bundle("aaaaaaaaaaaaaaaaaaaa", 1);
    makeCache(older, `${older}.aaaaaaaaaaaaaaaaaaaa.cache`);
    // The same length (V8's own check) and different code: the id in the name keeps them apart.
    const newer = await bundle("bbbbbbbbbbbbbbbbbbbb", 2);
    writeFileSync(`${newer}.aaaaaaaaaaaaaaaaaaaa.cache`, readFileSync(`${older}.aaaaaaaaaaaaaaaaaaaa.cache`));
    expect(evaluateBundle(newer)).toEqual({ exports: { value: 43, file: newer }, cache: "none" });
  });

  it("compiles as usual when the cache is damaged or the bundle has no build id", async () => {
    const file = await bundle("cccccccccccccccccccc");
    writeFileSync(`${file}.cccccccccccccccccccc.cache`, Buffer.from("not a code cache"));
    expect(evaluateBundle(file)).toEqual({ exports: { value: 42, file }, cache: "rejected" });
    const plain = await bundle(undefined);
    expect(cacheFileOf(plain, readFileSync(plain, "utf8"))).toBeUndefined();
    expect(evaluateBundle(plain).cache).toBe("none");
  });

  it("is built for dist/serve.cjs, and V8 takes it", () => {
    // The test setup builds dist/ (test/support/build-dist.ts); evaluating the bundle only defines its entry.
    const serve = fileURLToPath(new URL("../../dist/serve.cjs", import.meta.url));
    const loaded = evaluateBundle(serve) as unknown as { exports: { run: unknown }; cache: string };
    expect(loaded.cache).toBe("used");
    expect(typeof loaded.exports.run).toBe("function");
  });
});
