import { closeSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import { open, stat } from "node:fs/promises";
import { asIndexEntry, type IndexEntry } from "../../core/index/run-index.ts";

/**
 * `runs/index.journal`: one JSON line per change, `{"by":<writer>,"run":<entry>}` for an
 * upsert or `{"by":<writer>,"gone":<run id>}` for an entry repair found without a run.
 * Lines are only ever appended (O_APPEND, one write per batch), and readers only
 * consume up to the last newline, so a line being written is never half-read and a
 * line torn by a crash is skipped once the next writer ends it.
 */
export type IndexOp = { run: IndexEntry } | { gone: string };
export type JournalLine = IndexOp & { by: string };

export const journalLine = (by: string, op: IndexOp): string => JSON.stringify({ by, ...op }) + "\n";

const NEWLINE = 0x0a;

/**
 * Appends complete lines; call under the index lock. Synchronous: a few small syscalls
 * that land in the page cache (no fsync: the run directories are the truth, and reconcile
 * repairs a lost line), cheaper in place than as five thread-pool round trips.
 */
export function appendJournal(path: string, text: string): void {
  const fd = openSync(path, "a+");
  try {
    const { size } = fstatSync(fd);
    let prefix = "";
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      // A writer killed mid-line left no newline; start ours on a fresh line.
      if (last[0] !== NEWLINE) prefix = "\n";
    }
    const bytes = Buffer.from(prefix + text);
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
  } finally {
    closeSync(fd);
  }
}

export interface JournalStat {
  /** Identifies the file; compaction swaps in a new one, so a change means "start over". */
  ino: number;
  size: number;
}

export async function statJournal(path: string): Promise<JournalStat> {
  try {
    const info = await stat(path);
    return { ino: info.ino, size: info.size };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { ino: 0, size: 0 };
    throw error;
  }
}

export interface JournalChunk {
  lines: JournalLine[];
  /** Offset just past the last complete line read. */
  end: number;
  /** Lines that did not parse (torn by a crash, or edited by hand). */
  skipped: number;
  /** Lines by the writer the caller said to pass over, counted but not parsed. */
  passed: number;
}

/**
 * Complete lines in [from, to) of the journal whose inode is `ino`; undefined when the
 * path now names another file (a compaction swapped it in since the caller's stat).
 */
export async function readJournal(path: string, ino: number, from: number, to: number, passOver?: string): Promise<JournalChunk | undefined> {
  if (to <= from) return { lines: [], end: from, skipped: 0, passed: 0 };
  const buffer = Buffer.alloc(to - from);
  const handle = await open(path, "r").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (!handle) return undefined;
  let length: number;
  try {
    if ((await handle.stat()).ino !== ino) return undefined;
    ({ bytesRead: length } = await handle.read(buffer, 0, buffer.length, from));
  } finally {
    await handle.close();
  }
  const complete = buffer.lastIndexOf(NEWLINE, length - 1) + 1;
  const lines: JournalLine[] = [];
  let skipped = 0;
  let passed = 0;
  // A server reads back every line it wrote itself (a first start's repair writes 100k): known
  // by their start, they are not parsed.
  const own = passOver === undefined ? undefined : `{"by":${JSON.stringify(passOver)},`;
  for (const text of buffer.toString("utf8", 0, complete).split("\n")) {
    if (text.length === 0) continue;
    if (own !== undefined && text.startsWith(own)) {
      passed += 1;
      continue;
    }
    const line = parseLine(text);
    if (line) lines.push(line);
    else skipped += 1;
  }
  return { lines, end: from + complete, skipped, passed };
}

function parseLine(text: string): JournalLine | undefined {
  try {
    const value = JSON.parse(text) as { by?: unknown; run?: unknown; gone?: unknown };
    if (typeof value.by !== "string") return undefined;
    if (typeof value.gone === "string") return { by: value.by, gone: value.gone };
    const run = asIndexEntry(value.run);
    return run ? { by: value.by, run } : undefined;
  } catch {
    return undefined;
  }
}

/** Raw bytes [from, to) of the journal, for carrying lines over into a new journal. */
export async function readBytes(path: string, from: number, to: number): Promise<Buffer> {
  const buffer = Buffer.alloc(Math.max(0, to - from));
  if (buffer.length === 0) return buffer;
  const handle = await open(path, "r");
  try {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, from);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

export function countLines(bytes: Uint8Array): number {
  let n = 0;
  for (const byte of bytes) if (byte === NEWLINE) n += 1;
  return n;
}
