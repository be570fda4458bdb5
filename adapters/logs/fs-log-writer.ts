import { closeSync, openSync, writev } from "node:fs";
import { promisify } from "node:util";
import { StorageError } from "../../core/errors.ts";
import type { LogOptions, LogWriter } from "../../core/ports/run-files.ts";
import { CriLogWriter, type LogSink } from "./cri-log-writer.ts";

/** Queued bytes above this make writers wait for the disk. */
const HIGH_WATER = 1024 * 1024;

/**
 * Appends to one log file. Queued pieces are written together (one writev) by a single
 * drain loop, so a fast command costs one write per batch, not per chunk or line; the
 * first append of a quiet spell goes out at once, so live readers see it.
 */
export class FileLogSink implements LogSink {
  private queue: Uint8Array[] = [];
  private queued = 0;
  private draining: Promise<void> | undefined;
  private failure: StorageError | undefined;
  private waiters: Array<() => void> = [];
  private closed = false;

  private constructor(
    private readonly fd: number,
    readonly path: string,
  ) {}

  /**
   * Creates the file; an existing one is an error, since each sh call has its own log.
   * Opened and closed synchronously: on the home's local disk these take microseconds, and
   * a thread-pool round trip each was a fair part of a short `sh` call's cost.
   */
  static async create(path: string): Promise<FileLogSink> {
    return new FileLogSink(openSync(path, "wx", 0o644), path);
  }

  async append(data: Uint8Array): Promise<void> {
    this.check();
    if (this.closed) throw new StorageError("log_closed", `log ${this.path} is closed`);
    if (data.byteLength === 0) return;
    this.queue.push(data);
    this.queued += data.byteLength;
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
    try {
      closeSync(this.fd);
    } catch (cause) {
      this.failure ??= new StorageError("log_write_failed", `cannot close log ${this.path}`, { cause });
    }
    this.check();
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const pieces = this.queue;
        this.queue = [];
        this.queued = 0;
        this.wake();
        await writeAll(this.fd, pieces);
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

/** writev takes at most IOV_MAX (1024 on Linux) pieces and may write fewer bytes than asked. */
const IOV_MAX = 1024;

const writevAt = promisify(writev);

async function writeAll(fd: number, pieces: Uint8Array[]): Promise<void> {
  let rest = pieces;
  while (rest.length > 0) {
    const batch = rest.slice(0, IOV_MAX);
    const asked = batch.reduce((n, p) => n + p.byteLength, 0);
    let { bytesWritten } = await writevAt(fd, batch);
    if (bytesWritten === asked) {
      rest = rest.slice(batch.length);
      continue;
    }
    // A short write: drop what went out, keep the rest of a piece cut part way.
    let i = 0;
    while (bytesWritten >= (batch[i] as Uint8Array).byteLength) bytesWritten -= (batch[i++] as Uint8Array).byteLength;
    const cut = batch[i] as Uint8Array;
    rest = [cut.subarray(bytesWritten), ...rest.slice(i + 1)];
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
