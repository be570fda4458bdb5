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
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "absent" };
    throw new StorageError("read_failed", `cannot read ${path}`, { cause: error });
  }
  return readByLine(data) ?? readWhole(data.toString("utf8"));
}

const HEAD = Buffer.from(`{"version":${INDEX_VERSION},"runs":[\n`);
const TAIL = /^\]\}\s*$/;

/**
 * The file as renderIndex writes it, read one line at a time: each entry is parsed from
 * its own short string, so loading 100k runs leaves no 25 MB text and no second copy of
 * every entry behind for the collector (the server's RSS stayed ~100 MiB higher after a
 * whole-file parse). Undefined for any other layout of JSON, which readWhole reads.
 */
function readByLine(data: Buffer): LoadedIndex | undefined {
  if (!data.subarray(0, HEAD.length).equals(HEAD)) return undefined;
  const entries: IndexEntry[] = [];
  let dropped = 0;
  let start = HEAD.length;
  for (;;) {
    const newline = data.indexOf(0x0a, start);
    if (newline === -1) return undefined;
    const line = data.toString("utf8", start, newline);
    start = newline + 1;
    const last = !line.endsWith(",");
    let raw: unknown;
    try {
      raw = JSON.parse(last ? line : line.slice(0, -1));
    } catch {
      return undefined;
    }
    const entry = asIndexEntry(raw);
    if (entry) entries.push(entry);
    else dropped += 1;
    if (last) break;
  }
  return TAIL.test(data.toString("utf8", start)) ? { kind: "loaded", entries, dropped } : undefined;
}

function readWhole(text: string): LoadedIndex {
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
