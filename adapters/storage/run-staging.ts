import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { stringifyFlatYaml } from "./flat-yaml.ts";
import { writeSmallDurable } from "./durable-write.ts";
import type { RunRecord } from "../../core/types.ts";
import { META_FILE, STATE_FILE } from "../../core/run/run-layout.ts";

/**
 * Writes a new run's files into its staging directory. That directory is private until
 * it is renamed into pending/, so its files need no temp-and-rename of their own: a
 * crash leaves the whole directory, which sweep removes. Each file is still fsynced
 * before the rename publishes it.
 */
export async function stageRun(dir: string, record: RunRecord): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await Promise.all([
    writeSmallDurable(join(dir, META_FILE), stringifyFlatYaml({ ...record.meta }), "w"),
    writeSmallDurable(join(dir, STATE_FILE), stringifyFlatYaml({ ...record.state }), "w"),
  ]);
}
