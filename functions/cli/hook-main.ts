/**
 * Entry of dist/hook.cjs, the post-receive hook's own bundle: bin/quire.js loads it instead
 * of the CLI for `quire hook post-receive`, so a push pays for node:http and a file read,
 * not for commander, zod, yaml or execa.
 */
import { fastPostReceive } from "./hook-entry.ts";
import { describeFailure } from "./report-failure.ts";

/** true when the hook ran (or failed with its one line); false sends the arguments on to the full CLI. */
export async function hookMain(argv: string[]): Promise<boolean> {
  try {
    return await fastPostReceive(argv);
  } catch (error) {
    const line = describeFailure(error);
    if (line === undefined) throw error;
    process.stderr.write(`quire: ${line}\n`);
    process.exitCode = 1;
    return true;
  }
}
