import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { StorageError } from "../../core/errors.ts";
import type { RunMeta, RunRecord, RunState, RunStateRecord } from "../../core/types.ts";
import { writeFileAtomic } from "./atomic-write.ts";

export const META_FILE = "meta.yml";
export const STATE_FILE = "state.yml";

export async function readRunDir(dir: string, status: RunState): Promise<RunRecord> {
  try {
    const [meta, state] = await Promise.all([
      readFile(join(dir, META_FILE), "utf8"),
      readFile(join(dir, STATE_FILE), "utf8"),
    ]);
    const parsedState = parse(state) as RunStateRecord;
    // The directory is the source of truth for status; state.yml may lag by one crash.
    return { meta: parse(meta) as RunMeta, state: { ...parsedState, status } };
  } catch (cause) {
    throw new StorageError("read_failed", `cannot read run at ${dir}`, { cause });
  }
}

export async function readStateFile(dir: string): Promise<RunStateRecord> {
  return parse(await readFile(join(dir, STATE_FILE), "utf8")) as RunStateRecord;
}

export const writeState = (dir: string, state: RunStateRecord) =>
  writeFileAtomic(join(dir, STATE_FILE), stringify(state));
