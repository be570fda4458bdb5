/**
 * execa, loaded on the first command instead of at start: it and its dependencies are some
 * 250 KB of JavaScript, and neither the hook nor a starting server (nor /health) runs a
 * command. Callers here only ever await the result, never use the subprocess object.
 */
import type { Options } from "execa";

export async function execa<const O extends Options = {}>(file: string, args: readonly string[], options?: O) {
  const { execa: run } = await import("execa");
  return await run(file, args, options);
}
