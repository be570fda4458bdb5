import { runCli } from "./run-cli.ts";

/**
 * The CLI's entry, built to dist/quire.js (bin/quire.js loads it; `quire serve` and the
 * post-receive hook have bundles of their own, dist/serve.cjs and dist/hook.cjs). Whatever a
 * command needs beyond the command table is imported on demand.
 */
await runCli(process.argv, async (argv) => (await import("./main.ts")).buildCli(argv));
