import { text } from "node:stream/consumers";
import { parseArgs } from "node:util";
import { resolveHome } from "../node/home.ts";
import { postReceive } from "../node/post-receive.ts";

/** What the installed hook runs on every push, with the process's stdin and clock. */
export async function runPostReceive(opts: { home?: string | undefined; repo: string }): Promise<void> {
  await postReceive(resolveHome(opts.home), opts.repo, {
    stdin: await text(process.stdin),
    now: new Date().toISOString(),
    warn: (line) => process.stderr.write(line + "\n"),
    say: (line) => process.stdout.write(line + "\n"),
  });
}

/**
 * The hook's fast path, taken by bin/quire.js before the full CLI loads: a push should
 * not wait for every command's imports. Anything unusual falls back to the full CLI.
 */
export async function fastPostReceive(argv: string[]): Promise<boolean> {
  let values: { home?: string | undefined; repo?: string | undefined };
  try {
    ({ values } = parseArgs({ args: argv, options: { home: { type: "string" }, repo: { type: "string" } }, strict: true }));
  } catch {
    return false;
  }
  if (values.repo === undefined) return false;
  await runPostReceive({ home: values.home, repo: values.repo });
  return true;
}
