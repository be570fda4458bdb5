import { Command } from "commander";
import { runPostReceive } from "./hook-entry.ts";
import { homeOption } from "./options.ts";

export function hookCommand(): Command {
  const hook = new Command("hook").description("git hooks (installed by `quire repo new`; not run by hand)");
  hook
    .command("post-receive")
    .description("read `<old> <new> <ref>` lines on stdin and post one push event; never fails the push")
    .option(...homeOption)
    .requiredOption("--repo <name>", "the repo this hook belongs to (foo.git or group/foo.git)")
    .action((opts: { home?: string; repo: string }) => runPostReceive(opts));
  return hook;
}
