#!/usr/bin/env node
// Plain JavaScript built at install time (`npm install` runs the `prepare` script): no
// transpiler is loaded at run time. A checkout that skipped the install scripts builds with
// `npm run build`.
//
// CommonJS (bin/package.json says so), and so are the two bundles that start most often:
// every push runs `hook post-receive` (dist/hook.cjs) and a server starts with `serve`
// (dist/serve.cjs). They load without the ES module loader's start-up and its work for each
// file and each node: built-in (the server's through bin/code-cache.js, with the code cache the
// build made for it). Anything else, or hook
// arguments that bundle does not take, goes to the CLI, an ES module split by command.
"use strict";

const { join } = require("node:path");
const HOOK = join(__dirname, "..", "dist", "hook.cjs");
const SERVE = join(__dirname, "..", "dist", "serve.cjs");
const CLI = "../dist/quire.js";

function notBuilt(error, file) {
  const missing =
    error?.code === "MODULE_NOT_FOUND"
      ? String(error.message).split("\n")[0].includes(file)
      : error?.code === "ENOENT"
        ? error.path === file
        : error?.code === "ERR_MODULE_NOT_FOUND" && /\/dist\/quire\.js$/.test(String(error.url));
  if (!missing) throw error;
  process.stderr.write("quire: not built yet (dist/ is missing); run `npm run build` in the quire package\n");
  process.exitCode = 1;
}

/** The bundle's exports, or undefined (reported) when dist/ has not been built. */
function load(file, read = require) {
  try {
    return read(file);
  } catch (error) {
    return notBuilt(error, file);
  }
}

const cli = () => import(CLI).catch((error) => notBuilt(error, CLI));
const [command, sub] = process.argv.slice(2, 4);
if (command === "hook" && sub === "post-receive") {
  const hook = load(HOOK);
  if (hook !== undefined) void hook.hookMain(process.argv.slice(4)).then((handled) => (handled ? undefined : cli()));
} else if (command === "serve") {
  // With the code cache the build made from a start (bin/code-cache.js).
  const serve = load(SERVE, (file) => require("./code-cache.js").loadWithCodeCache(file));
  if (serve !== undefined) void serve.run(process.argv);
} else {
  void cli();
}
