// Loads a CommonJS bundle of dist/ with the V8 code cache scripts/build.mjs wrote for it.
//
// A server start compiles dist/serve.cjs (some 900 KB) and then, function by function, every
// function the start runs: some 30 ms of the 300 a start may take. The cache, written at build
// time from a real start (scripts/code-cache.mjs), holds those functions compiled, and V8
// takes them from it instead. A cache is used only for the exact build it was made from: the
// bundle ends with its build id, and the cache file is named by it (V8's own check compares
// the source's length only). A missing or rejected cache costs nothing but the compile.
"use strict";

const { readFileSync, writeFileSync } = require("node:fs");
const { createRequire } = require("node:module");
const { dirname } = require("node:path");
const { Script } = require("node:vm");

// The CommonJS wrapper, on the bundle's first line so its line numbers stay the file's.
const HEAD = "(function (exports, require, module, __filename, __dirname) { ";
const TAIL = "\n})";
const BUILD_ID = /\n\/\/# quire-build=([0-9a-f]{16,64})\s*$/;

/** The cache file of a bundle's source, or undefined for a source without a build id. */
function cacheFileOf(file, source) {
  const id = BUILD_ID.exec(source.slice(-120))?.[1];
  return id === undefined ? undefined : `${file}.${id}.cache`;
}

/**
 * Evaluates the bundle at `file` as require() would: its exports, and whether a code cache
 * was `used`, `rejected` by V8, or there was `none`. With QUIRE_CODE_CACHE_OUT set, writes
 * the code cache to that path when the process exits (the build does this).
 */
function evaluateBundle(file) {
  const source = readFileSync(file, "utf8");
  const cacheFile = cacheFileOf(file, source);
  let cachedData;
  try {
    if (cacheFile !== undefined) cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(HEAD + source + TAIL, { filename: file, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  const out = process.env.QUIRE_CODE_CACHE_OUT;
  if (out) process.once("exit", () => writeFileSync(out, script.createCachedData()));
  return { exports: module.exports, cache: cachedData === undefined ? "none" : script.cachedDataRejected ? "rejected" : "used" };
}

/** The bundle's exports (see evaluateBundle). */
function loadWithCodeCache(file) {
  return evaluateBundle(file).exports;
}

module.exports = { loadWithCodeCache, evaluateBundle, cacheFileOf };
