// A V8 code cache for dist/serve.cjs. Node 22 has module.enableCompileCache(); Node 20 does
// not, so this does what it does for one file: compile through vm.Script with the bytecode a
// previous start saved, and save it after a start that had none. A start then neither parses
// the 1 MB bundle nor compiles the functions that run before the server listens.
//
// The cache lives next to the bundle (whoever can write it can write the bundle), named by
// the bundle's inode, size and mtime: V8 checks only the source's length, so a rebuilt bundle
// must never meet an older cache (builds rename a new file into place: a new inode). Where
// dist/ is not writable there is simply no cache. Any failure falls back to require().
"use strict";

const fs = require("node:fs");
const path = require("node:path");

/**
 * Runs `file` as a CommonJS module. `hit`: compiled from a saved cache; `saveLater()` writes
 * one when this start had none.
 */
function requireCached(file) {
  const vm = require("node:vm");
  const Module = require("node:module");
  const info = fs.statSync(file);
  const cacheFile = path.join(path.dirname(file), `.${path.basename(file)}-${info.ino}-${info.size}-${Math.floor(info.mtimeMs)}.v8cache`);
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, "utf8")), { filename: file, cachedData });
  const hit = cachedData !== undefined && !script.cachedDataRejected;
  const module = { exports: {}, filename: file, id: file, loaded: false };
  script.runInThisContext().call(module.exports, module.exports, Module.createRequire(file), module, file, path.dirname(file));
  module.loaded = true;
  const saveLater = () => {
    if (hit) return;
    // A second after the start: the functions the start ran are compiled by then, and go in.
    setTimeout(() => save(script, cacheFile), 1000).unref();
  };
  return { exports: module.exports, hit, saveLater };
}

function save(script, cacheFile) {
  const temp = `${cacheFile}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temp, script.createCachedData(), { mode: 0o644 });
    fs.renameSync(temp, cacheFile);
  } catch {
    fs.rmSync(temp, { force: true });
  }
}

module.exports = { requireCached };
