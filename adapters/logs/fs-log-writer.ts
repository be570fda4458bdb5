import { open, type FileHandle } from "node:fs/promises";
import { StorageError } from "../../core/errors.ts";
import type { LogOptions, LogWriter } from "../../core/ports/run-files.ts";
import { CriLogWriter, type LogSink } from "./cri-log-writer.ts";

/** Queued text above this makes writers wait for the disk. */
const HIGH_WATER = 1024 * 1024;

/**
 * Appends to one log file. Queued text is joined and written by a single drain loop,
 * so a fast command costs one write per batch, not per chunk or line; the first
 * append of a quiet spell goes out at once, so live readers see it.
 */
export class FileLogSink implements LogSink {
  private queue: string[] = [];
  private queued = 0;
  private draining: Promise<void> | undefined;
  private failure: StorageError | undefined;
  private waiters: Array<() => void> = [];
  private closed = false;

  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
  ) {}

  /** Creates the file; an existing one is an error, since each sh call has its own log. */
  static async create(path: string): Promise<FileLogSink> {
    return new FileLogSink(await open(path, "wx", 0o644), path);
  }

  async append(text: string): Promise<void> {
    this.check();
    if (this.closed) throw new StorageError("log_closed", `log ${this.path} is closed`);
    if (text.length === 0) return;
    this.queue.push(text);
    this.queued += text.length;
    this.draining ??= this.drain();
    while (this.queued >= HIGH_WATER && this.failure === undefined) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    this.check();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.draining;
    // No fsync: a log lost to a power cut is acceptable; throughput is not optional.
    await this.handle.close();
    this.check();
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const data = Buffer.from(this.queue.length === 1 ? (this.queue[0] ?? "") : this.queue.join(""), "utf8");
        this.queue = [];
        this.queued = 0;
        this.wake();
        await writeAll(this.handle, data);
      }
    } catch (cause) {
      this.failure = new StorageError("log_write_failed", `cannot write log ${this.path}`, { cause });
      this.queue = [];
      this.queued = 0;
    } finally {
      this.draining = undefined;
      this.wake();
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }
}

async function writeAll(handle: FileHandle, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.byteLength) {
    const { bytesWritten } = await handle.write(data, offset, data.byteLength - offset);
    offset += bytesWritten;
  }
}

/** A log writer on a new file at `path`. */
export async function openFsLogWriter(path: string, options: LogOptions, now: () => string): Promise<LogWriter> {
  try {
    return new CriLogWriter(await FileLogSink.create(path), options, now);
  } catch (cause) {
    throw new StorageError("log_open_failed", `cannot open log ${path}`, { cause });
  }
}
