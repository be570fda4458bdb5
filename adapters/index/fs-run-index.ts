import { randomBytes } from "node:crypto";
import { open, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../../core/ports/logger.ts";
import { entryOf, recordedAt, sameFacts, type IndexEntry } from "../../core/index/run-index.ts";
import type { IndexRepairReport, IndexView, RunIndex } from "../../core/ports/run-index.ts";
import { applyIndexRepair, planIndexRepair } from "../../core/index/run-index-repair.ts";
import { RunIndexTable } from "../../core/index/run-index-table.ts";
import { FsLayout } from "../storage/fs-layout.ts";
import { commitTemp, loadIndexFile, renderIndex, writeTemp } from "./index-file.ts";
import { countLines, readBytes, readJournal, statJournal, type IndexOp } from "./index-journal.ts";
import { IndexLock } from "./index-lock.ts";
import { JournalWriter } from "./journal-writer.ts";
import { listRunDirs, mapLimit, readRunAt } from "./run-dirs.ts";

export const INDEX_FILE = "index.json";
export const JOURNAL_FILE = "index.journal";
/** Repairs with more changes than this are written by compaction, not journalled line by line. */
const LARGE_REPAIR = 1000;

export interface FsRunIndexOptions {
  /** Compact index.json once the journal holds this many lines. */
  compactEvery?: number;
  logger?: Logger;
}

/**
 * The run index as `runs/index.json` plus an append-only `runs/index.journal`.
 *
 * Why two files: rewriting a multi-megabyte index.json on every transition would make
 * each transition cost O(all runs). Instead every upsert appends one JSON line to the
 * journal (under a short inter-process lock, batched when many arrive at once), and
 * index.json is rewritten from memory only on compaction: after a reconcile that found
 * journal lines (so after every start that follows work), in the background, and when
 * the journal passes `compactEvery` lines. Compaction writes index.json atomically,
 * then swaps in a journal holding only lines newer than the snapshot; a crash in
 * between leaves lines that replay to the same result. A crash never leaves either
 * file unreadable: index.json is only ever replaced whole, and a journal line torn by
 * a killed writer is skipped.
 *
 * A process that only writes (e.g. `quire ci run`) never loads the index: its upserts
 * are appends. A process that reads (the server) loads index.json + journal once and
 * then tails the journal by byte offset before every read, so runs another process
 * recorded are never missed. It skips its own lines, which it applied when it wrote
 * them. If another process compacted (the journal's inode changed), it reloads.
 */
export class FsRunIndex implements RunIndex {
  readonly indexPath: string;
  readonly journalPath: string;
  private readonly layout: FsLayout;
  private readonly lock: IndexLock;
  private readonly compactEvery: number;
  private readonly journal: JournalWriter;
  private table: RunIndexTable | undefined;
  private ino = -1;
  private offset = 0;
  private journalLines = 0;
  /** Everything that touches the loaded state from disk runs one at a time, in order. */
  private serial: Promise<unknown> = Promise.resolve();
  private compacting: Promise<void> | undefined;
  private rebuildLog: IndexEntry[] | undefined;

  constructor(
    readonly root: string,
    private readonly options: FsRunIndexOptions = {},
  ) {
    this.indexPath = join(root, INDEX_FILE);
    this.journalPath = join(root, JOURNAL_FILE);
    this.layout = new FsLayout(root);
    this.lock = new IndexLock(root);
    this.compactEvery = options.compactEvery ?? 10_000;
    const writer = `${process.pid}-${randomBytes(4).toString("hex")}`;
    this.journal = new JournalWriter(this.journalPath, this.lock, writer, (lines) => (this.journalLines += lines));
  }

  async upsert(entry: IndexEntry): Promise<void> {
    this.table?.upsert(entry);
    this.rebuildLog?.push(entry);
    await this.journal.write({ run: entry });
    if (this.table && this.journalLines >= this.compactEvery) this.compactInBackground();
  }

  async read(): Promise<IndexView> {
    await this.inOrder(() => (this.table ? this.tail(false) : this.lock.run(() => this.reload())));
    return this.table as RunIndexTable;
  }

  async repair(): Promise<IndexRepairReport> {
    await this.read();
    const table = this.table as RunIndexTable;
    const known = new Set<string>();
    for (const entry of table.entries()) known.add(entry.run_id);
    const plan = planIndexRepair(table, await listRunDirs(this.layout), known);
    // Kept only while they may still be journalled: beyond that they are only counted.
    const changes: IndexOp[] = [];
    let changed = 0;
    const report = await applyIndexRepair(table, plan, {
      read: (loc) => readRunAt(this.layout, loc),
      exists: async (entry) => (await this.layout.locate(entry.repo, entry.run_id)) !== undefined,
      changed: (op) => {
        if (++changed <= LARGE_REPAIR) changes.push(op);
      },
    });
    // The repairs go to the journal like any change (one batched write); rewriting a
    // multi-megabyte index.json happens after, off the caller's path, so a start is not
    // held up by it. A repair of thousands (a first start with no index.json) goes straight
    // to that rewrite: journalling 100k lines only to read them back and fold them into
    // index.json cost seconds. Until it is written a crash loses nothing the next start's
    // repair would not find again; counted as journal lines, a failed rewrite is retried.
    if (changed > LARGE_REPAIR) this.journalLines += changed;
    else await Promise.all(changes.map((op) => this.journal.write(op)));
    if (this.journalLines > 0) this.compactInBackground();
    return report;
  }

  async rebuild(): Promise<IndexRepairReport> {
    const before = await this.read();
    this.rebuildLog = [];
    const fresh = new RunIndexTable();
    try {
      const listing = (await listRunDirs(this.layout)).sort((a, b) => (a.run_id < b.run_id ? -1 : 1));
      const runs = await mapLimit(listing, 16, (loc) => readRunAt(this.layout, loc));
      for (const run of runs) if (run) fresh.merge(entryOf(run, recordedAt(run)));
      // Transitions made while we read are newer than what we read.
      for (const entry of this.rebuildLog) fresh.merge(entry);
    } finally {
      this.rebuildLog = undefined;
    }
    this.table = fresh;
    await this.compact();
    const report: IndexRepairReport = { added: 0, updated: 0, removed: 0, total: fresh.size };
    for (const entry of fresh.entries()) {
      const was = before.get(entry.run_id);
      if (!was) report.added += 1;
      else if (!sameFacts(was, entry)) report.updated += 1;
    }
    report.removed = before.size - (fresh.size - report.added);
    return report;
  }

  /** Resolves once no journal write or background compaction is in flight (shutdown, tests). */
  async settled(): Promise<void> {
    await this.journal.idle();
    while (this.compacting) await this.compacting;
  }

  /**
   * Rewrites index.json from memory and restarts the journal with only the lines that
   * arrived meanwhile. The lock is held twice, briefly: to take a snapshot, and to swap
   * the files in. Writing and syncing the big file happens in between, so appenders
   * wait for two short critical sections, not for megabytes of I/O.
   */
  async compact(): Promise<void> {
    const snapshot = await this.inOrder(() =>
      this.lock.run(async () => {
        if (this.table) await this.tail(true);
        else await this.reload();
        return { text: renderIndex((this.table as RunIndexTable).entries()), ino: this.ino, offset: this.offset };
      }),
    );
    // Outside the lock and the read order: readers keep tailing while this writes.
    const indexTemp = await writeTemp(this.indexPath, snapshot.text);
    await this.inOrder(() =>
      this.lock.run(async () => {
        await this.tail(true);
        if (this.ino !== snapshot.ino) return rm(indexTemp, { force: true }); // another process compacted first
        const rest = await readBytes(this.journalPath, snapshot.offset, this.offset);
        const journalTemp = await writeTemp(this.journalPath, rest);
        // index.json first: a crash between the renames leaves the old journal, whose
        // lines replay onto the new index to the same result.
        await commitTemp(indexTemp, this.indexPath);
        await commitTemp(journalTemp, this.journalPath);
        ({ ino: this.ino } = await statJournal(this.journalPath));
        this.offset = rest.length;
        this.journalLines = countLines(rest);
      }),
    );
  }

  private inOrder<T>(work: () => Promise<T>): Promise<T> {
    const next = this.serial.then(work);
    this.serial = next.catch(() => undefined);
    return next;
  }

  private compactInBackground(): void {
    this.compacting ??= this.compact()
      .catch((error: unknown) => this.options.logger?.warn({ err: error }, "run index compaction failed; will retry"))
      .finally(() => (this.compacting = undefined));
  }

  /** Applies what other processes appended since we last looked. Runs in order. */
  private async tail(locked: boolean): Promise<void> {
    const now = await statJournal(this.journalPath);
    const same = now.ino === this.ino && now.size >= this.offset;
    if (same && now.size === this.offset) return;
    const chunk = same ? await readJournal(this.journalPath, now.ino, this.offset, now.size, this.journal.writer) : undefined;
    // Another process compacted (a new journal file): start over from its index.json.
    if (!chunk) return locked ? this.reload() : this.lock.run(() => this.reload());
    const table = this.table as RunIndexTable;
    let theirs = chunk.skipped;
    // Our own lines (passed over unparsed) were applied when we wrote them, and counted then.
    for (const line of chunk.lines) {
      if (line.by === this.journal.writer) continue;
      apply(table, line, "by-time");
      theirs += 1;
    }
    this.offset = chunk.end;
    this.journalLines += theirs;
  }

  /** Loads index.json and replays the whole journal; call under the lock and in order. */
  private async reload(): Promise<void> {
    const loaded = await loadIndexFile(this.indexPath);
    if (loaded.kind === "unreadable") {
      this.options.logger?.warn({ path: this.indexPath, reason: loaded.reason }, "run index unreadable; reconcile rebuilds it");
    }
    const table = RunIndexTable.from(loaded.kind === "loaded" ? loaded.entries : []);
    await (await open(this.journalPath, "a")).close();
    const { ino, size } = await statJournal(this.journalPath);
    // Under the lock nobody swaps the journal, so the read always matches the stat.
    const chunk = (await readJournal(this.journalPath, ino, 0, size)) ?? { lines: [], end: 0, skipped: 0, passed: 0 };
    for (const line of chunk.lines) apply(table, line, "by-time");
    // Our own changes not yet on disk would otherwise vanish from memory.
    for (const op of this.journal.pending()) apply(table, op, "as-is");
    this.table = table;
    this.ino = ino;
    this.offset = chunk.end;
    this.journalLines = chunk.lines.length + chunk.skipped;
  }
}

function apply(table: RunIndexTable, op: IndexOp, order: "by-time" | "as-is"): void {
  if ("gone" in op) table.remove(op.gone);
  else if (order === "as-is") table.upsert(op.run);
  else table.merge(op.run, "by-time");
}
