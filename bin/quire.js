#!/usr/bin/env node
// Plain JavaScript built at install time (`npm install` runs the `prepare` script): no
// transpiler is loaded at run time. A checkout that skipped the install scripts builds with
// `npm run build`. Every push runs `hook post-receive`: it loads the hook's own small bundle
// and falls back to the full CLI only for arguments that bundle does not take.
const [command, sub] = process.argv.slice(2, 4);
try {
  const hook = command === "hook" && sub === "post-receive";
  if (!(hook && (await (await import("../dist/hook.js")).hookMain(process.argv.slice(4))))) await import("../dist/quire.js");
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND" || !/\/dist\/(quire|hook)\.js$/.test(String(error.url))) throw error;
  process.stderr.write("quire: not built yet (dist/ is missing); run `npm run build` in the quire package\n");
  process.exitCode = 1;
}
