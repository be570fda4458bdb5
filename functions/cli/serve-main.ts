/**
 * Entry of dist/serve.cjs, `quire serve`'s own bundle: bin/quire.js loads it for `serve`, as
 * CommonJS in one file, so a start skips the ES module loader (its start-up, and the per-file
 * resolve, read and link of each chunk) and reads node: built-ins through require(), which
 * does not evaluate each built-in's lazy exports the way an ES import of it does. What the
 * server imports lazily (docker, the pipeline runtime, PostgreSQL) is in the file too, but
 * only pre-parsed until first used.
 */
import { cliProgram } from "./cli-program.ts";
import { runCli } from "./run-cli.ts";
import { serveCommand } from "./serve-command.ts";

export function run(argv: string[]): Promise<void> {
  return runCli(argv, async (args) => cliProgram(args, { serve: async () => serveCommand() }));
}
