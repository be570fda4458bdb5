#!/usr/bin/env node
// Plain JavaScript built at install time (`npm install` runs the `prepare` script): no
// transpiler is loaded at run time. A checkout that skipped the install scripts builds with
// `npm run build`.
try {
  await import("../dist/quire.js");
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND" || !String(error.message).includes("dist/quire.js")) throw error;
  process.stderr.write("quire: not built yet (dist/quire.js is missing); run `npm run build` in the quire package\n");
  process.exitCode = 1;
}
