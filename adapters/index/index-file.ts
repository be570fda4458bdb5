import { randomBytes } from "node:crypto";
import { open, readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { StorageError } from "../../core/errors.ts";
import { asIndexEntry, INDEX_VERSION, type IndexEntry } from "../../core/run-index.ts";
import { TEMP_MARK } from "../storage/atomic-write.ts";

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

/**
 * The first half of an atomic write: a durable temp file next to `path`, renamed over
 * it later by `commitTemp`, so the slow part (writing and syncing megabytes) can run
 * outside the index lock.
 */
export async function writeTemp(path: string, data: string | Uint8Array): Promise<string> {
  const temp = join(dirname(path), `.${basename(path)}${TEMP_MARK}${randomBytes(6).toString("hex")}`);
  const handle = await open(temp, "wx", 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw new StorageError("write_failed", `cannot write ${temp}`, { cause: error });
  }
  await handle.close();
  return temp;
}

export async function commitTemp(temp: string, path: string): Promise<void> {
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw new StorageError("write_failed", `cannot replace ${path}`, { cause: error });
  }
}
