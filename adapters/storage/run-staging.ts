import { mkdir, open } from "node:fs/promises";
import { join } from "node:path";
import { stringifyFlatYaml } from "./flat-yaml.ts";
import type { RunRecord } from "../../core/types.ts";
import { META_FILE, STATE_FILE } from "../../core/run/run-layout.ts";

/**
 * Writes a new run's files into its staging directory. That directory is private until
 * it is renamed into pending/, so its files need no temp-and-rename of their own: a
 * crash leaves the whole directory, which sweep removes. Each file is still fsynced
 * before the rename publishes it.
 */
export async function stageRun(dir: string, record: RunRecord): Promise<void> {
  await mkdir(dir, { recursive: true });
  await Promise.all([writeDurable(join(dir, META_FILE), stringifyFlatYaml({ ...record.meta })), writeDurable(join(dir, STATE_FILE), stringifyFlatYaml({ ...record.state }))]);
}

async function writeDurable(path: string, data: string): Promise<void> {
  const handle = await open(path, "w", 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
