#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so a checkout needs no build step.
import { register } from "tsx/esm/api";

register();
const [command, sub, ...rest] = process.argv.slice(2);
try {
  // Every push runs the hook: skip loading the whole CLI for it.
  const handled =
    command === "hook" && sub === "post-receive" && (await import("../functions/cli/hook-entry.ts")).fastPostReceive(rest);
  if (!(await handled)) {
    const { buildCli } = await import("../functions/cli/main.ts");
    await buildCli().parseAsync(process.argv);
  }
} catch (error) {
  const { describeFailure } = await import("../functions/cli/report-failure.ts");
  const line = describeFailure(error);
  if (line === undefined) throw error;
  process.stderr.write(`quire: ${line}\n`);
  process.exitCode = 1;
}
