import { randomBytes } from "node:crypto";
import { open } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../../core/ports.ts";
import { entryOf, recordedAt, sameFacts, type IndexEntry } from "../../core/run-index.ts";
import type { IndexRepairReport, RunIndex } from "../../core/run-index-port.ts";
import { applyIndexRepair, planIndexRepair } from "../../core/run-index-repair.ts";
import { RunIndexTable, type IndexView } from "../../core/run-index-table.ts";
import { writeFileAtomic } from "../storage/atomic-write.ts";
import { FsLayout } from "../storage/fs-layout.ts";
import { loadIndexFile, writeIndexFile } from "./index-file.ts";
import { appendJournal, journalLine, readJournal, statJournal } from "./index-journal.ts";
import { IndexLock } from "./index-lock.ts";
import { listRunDirs, mapLimit, readRunAt } from "./run-dirs.ts";

export const INDEX_FILE = "index.json";
export const JOURNAL_FILE = "index.journal";

export interface FsRunIndexOptions {
  /** Compact index.json once the journal holds this many lines. */
  compactEvery?: number;
  logger?: Logger;
}

interface Pending {
  entry: IndexEntry;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The run index as `runs/index.json` plus an append-only `runs/index.journal`.
 *
 * Why two files: rewriting a multi-megabyte index.json on every transition would make
 * each transition cost O(all runs). Instead every upsert appends one JSON line to the
 * journal (under a short inter-process lock, batched when many arrive at once), and
 * index.json is rewritten from memory only on compaction: during reconcile (so on
 * every start) and when the journal passes `compactEvery` lines. Compaction writes
 * index.json atomically, then swaps in an empty journal; a crash in between only
 * leaves lines that replay to the same result.
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
  private readonly writer = `${process.pid}-${randomBytes(4).toString("hex")}`;
  private table: RunIndexTable | undefined;
  private ino = -1;
  private offset = 0;
  private journalLines = 0;
  /** Everything that touches the loaded state from disk runs one at a time, in order. */
  private serial: Promise<unknown> = Promise.resolve();
  private queue: Pending[] = [];
  private inflight: Pending[] = [];
  private pumping: Promise<void> | undefined;
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
  }

  async upsert(entry: IndexEntry): Promise<void> {
    this.table?.upsert(entry);
    this.rebuildLog?.push(entry);
    await this.persist(entry);
    this.journalLines += 1;
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
    const report = await applyIndexRepair(table, plan, {
      read: (loc) => readRunAt(this.layout, loc),
      exists: async (entry) => (await this.layout.locate(entry.repo, entry.run_id)) !== undefined,
    });
    await this.compact();
    return { ...report, total: (this.table as RunIndexTable).size };
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
    while (this.pumping || this.compacting) await Promise.all([this.pumping, this.compacting]);
  }

  /** Rewrites index.json from memory and starts an empty journal. */
  compact(): Promise<void> {
    return this.inOrder(() =>
      this.lock.run(async () => {
        if (this.table) await this.tail(true);
        else await this.reload();
        await writeIndexFile(this.indexPath, (this.table as RunIndexTable).entries());
        await writeFileAtomic(this.journalPath, "");
        ({ ino: this.ino } = await statJournal(this.journalPath));
        this.offset = 0;
        this.journalLines = 0;
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
    if (now.ino !== this.ino || now.size < this.offset) return locked ? this.reload() : this.lock.run(() => this.reload());
    if (now.size === this.offset) return;
    const chunk = await readJournal(this.journalPath, this.offset, now.size);
    const table = this.table as RunIndexTable;
    for (const line of chunk.lines) if (line.by !== this.writer) table.merge(line.run, "by-time");
    this.offset = chunk.end;
    this.journalLines += chunk.lines.length + chunk.skipped;
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
    const chunk = await readJournal(this.journalPath, 0, size);
    for (const line of chunk.lines) table.merge(line.run, "by-time");
    // Our own upserts not yet on disk would otherwise vanish from memory.
    for (const pending of [...this.inflight, ...this.queue]) table.upsert(pending.entry);
    this.table = table;
    this.ino = ino;
    this.offset = chunk.end;
    this.journalLines = chunk.lines.length + chunk.skipped;
  }

  /** Group commit: upserts that arrive while a write is in flight go out in the next single write. */
  private persist(entry: IndexEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      this.kick();
    });
  }

  /** Starts the writer unless it runs; when it stops, anything queued meanwhile restarts it. */
  private kick(): void {
    if (this.pumping || this.queue.length === 0) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      this.kick();
    });
  }

  private async pump(): Promise<void> {
    while (this.queue.length > 0) {
      this.inflight = this.queue;
      this.queue = [];
      const text = this.inflight.map((p) => journalLine(this.writer, p.entry)).join("");
      try {
        await this.lock.run(() => appendJournal(this.journalPath, text));
        for (const p of this.inflight) p.resolve();
      } catch (error) {
        for (const p of this.inflight) p.reject(error);
      }
      this.inflight = [];
    }
  }
}
