import { readFile } from "node:fs/promises";
import { StorageError } from "../../core/errors.ts";
import { asIndexEntry, INDEX_VERSION, type IndexEntry } from "../../core/index/run-index.ts";
import { commitTemp as commitTempFile, writeTemp as writeTempFile } from "../storage/atomic-write.ts";

export type LoadedIndex =
  | { kind: "loaded"; entries: IndexEntry[]; dropped: number }
  | { kind: "absent" }
  | { kind: "unreadable"; reason: string };

/** Reads `runs/index.json`; anything but a version-1 index is reported, never thrown. */
export async function loadIndexFile(path: string): Promise<LoadedIndex> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "absent" };
    throw new StorageError("read_failed", `cannot read ${path}`, { cause: error });
  }
  let parsed: { version?: unknown; runs?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch (error) {
    return { kind: "unreadable", reason: `not JSON: ${(error as Error).message}` };
  }
  if (parsed.version !== INDEX_VERSION || !Array.isArray(parsed.runs)) {
    return { kind: "unreadable", reason: `expected {"version":${INDEX_VERSION},"runs":[…]}` };
  }
  const entries: IndexEntry[] = [];
  for (const raw of parsed.runs) {
    const entry = asIndexEntry(raw);
    if (entry) entries.push(entry);
  }
  return { kind: "loaded", entries, dropped: parsed.runs.length - entries.length };
}

/** One entry per line: the file stays greppable and diffable at 100k runs. */
export function renderIndex(entries: Iterable<IndexEntry>): string {
  const lines: string[] = [];
  for (const entry of entries) lines.push(JSON.stringify(entry));
  return `{"version":${INDEX_VERSION},"runs":[\n${lines.join(",\n")}\n]}\n`;
}

/** Atomic-write halves, with failures as StorageError: compaction writes outside the index lock. */
export async function writeTemp(path: string, data: string | Uint8Array): Promise<string> {
  try {
    return await writeTempFile(path, data);
  } catch (cause) {
    throw new StorageError("write_failed", `cannot write a temp file for ${path}`, { cause });
  }
}

export async function commitTemp(temp: string, path: string): Promise<void> {
  try {
    await commitTempFile(temp, path);
  } catch (cause) {
    throw new StorageError("write_failed", `cannot replace ${path}`, { cause });
  }
}
