/**
 * Entry of dist/serve.cjs, `quire serve`'s own bundle: bin/quire.js loads it for `serve`, as
 * CommonJS in one file, so a start skips the ES module loader (its start-up, and the per-file
 * resolve, read and link of each chunk) and reads node: built-ins through require(), which
 * does not evaluate each built-in's lazy exports the way an ES import of it does. What the
 * server imports lazily (docker, the pipeline runtime, PostgreSQL) is in the file too, but
 * only pre-parsed until first used. So is commander: plain arguments (serve-args.ts) start
 * the server without it; help, mistakes and anything unusual go through it.
 */
import { runAction, runCli } from "./run-cli.ts";
import { startServing } from "./serve-action.ts";
import { plainServeArgs } from "./serve-args.ts";

export function run(argv: string[]): Promise<void> {
  const plain = plainServeArgs(argv.slice(3));
  if (plain !== undefined) return runAction(() => startServing(plain));
  return runCli(argv, async (args) => {
    const [{ cliProgram }, { serveCommand }] = await Promise.all([import("./cli-program.ts"), import("./serve-command.ts")]);
    return cliProgram(args, { serve: async () => serveCommand() });
  });
}
