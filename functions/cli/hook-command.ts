import { text } from "node:stream/consumers";
import { Command } from "commander";
import { resolveHome } from "../node/home.ts";
import { postReceive } from "../node/post-receive.ts";
import { homeOption } from "./options.ts";

export function hookCommand(): Command {
  const hook = new Command("hook").description("git hooks (installed by `quire repo new`; not run by hand)");
  hook
    .command("post-receive")
    .description("read `<old> <new> <ref>` lines on stdin and post one push event; never fails the push")
    .option(...homeOption)
    .requiredOption("--repo <name>", "the repo this hook belongs to (foo.git or group/foo.git)")
    .action(async (opts: { home?: string; repo: string }) => {
      await postReceive(resolveHome(opts.home), opts.repo, {
        stdin: await text(process.stdin),
        now: new Date().toISOString(),
        warn: (line) => process.stderr.write(line + "\n"),
        say: (line) => process.stdout.write(line + "\n"),
      });
    });
  return hook;
}
