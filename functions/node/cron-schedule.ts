import { readFile } from "node:fs/promises";
import { parse } from "smol-toml";
import { WRANGLER_FILE } from "../../adapters/package/package-files.ts";

const WRANGLER = WRANGLER_FILE;

/** The reconcile schedule, read from wrangler.toml so Workers and Node share one definition. */
export async function reconcileCron(path: URL | string = WRANGLER): Promise<string> {
  const toml = parse(await readFile(path, "utf8")) as { triggers?: { crons?: unknown } };
  const crons = toml.triggers?.crons;
  if (!Array.isArray(crons) || typeof crons[0] !== "string") {
    throw new Error(`${String(path)}: [triggers] crons must list one cron expression`);
  }
  return crons[0];
}
