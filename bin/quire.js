#!/usr/bin/env node
// Plain JavaScript built at install time (`npm install` runs the `prepare` script): no
// transpiler is loaded at run time. A checkout that skipped the install scripts builds with
// `npm run build`.
//
// CommonJS (bin/package.json says so): every push runs `hook post-receive`, and its bundle,
// dist/hook.cjs, loads through require() alone, without the ES module loader's work for each
// file and each node: built-in. Anything else, or hook arguments that bundle does not take,
// goes to the CLI, an ES module.
"use strict";

const HOOK = require("node:path").join(__dirname, "..", "dist", "hook.cjs");
const CLI = "../dist/quire.js";

function notBuilt(error) {
  const missing = error?.code === "MODULE_NOT_FOUND" ? String(error.message).split("\n")[0].includes(HOOK) : error?.code === "ERR_MODULE_NOT_FOUND" && /\/dist\/quire\.js$/.test(String(error.url));
  if (!missing) throw error;
  process.stderr.write("quire: not built yet (dist/ is missing); run `npm run build` in the quire package\n");
  process.exitCode = 1;
}

const cli = () => import(CLI).catch(notBuilt);
const [command, sub] = process.argv.slice(2, 4);
if (command === "hook" && sub === "post-receive") {
  let hook;
  try {
    hook = require(HOOK);
  } catch (error) {
    notBuilt(error);
  }
  if (hook !== undefined) void hook.hookMain(process.argv.slice(4)).then((handled) => (handled ? undefined : cli()));
} else {
  void cli();
}
