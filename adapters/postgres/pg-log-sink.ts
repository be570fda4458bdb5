import { StorageError } from "../../core/errors.ts";
import type { LogSink } from "../logs/cri-log-writer.ts";
import type { PgDb } from "./pg-db.ts";

/** The largest row a log chunk takes; a bigger flush becomes several rows. */
export const CHUNK_MAX = 64 * 1024;
/** Output waits at most this long before it becomes visible to live readers. */
const FLUSH_MS = 100;

/** Channel a live tail listens on; the payload is the run id. */
export const LOG_CHANNEL = "quire_logs";

/**
 * Appends a log's already-redacted text to PostgreSQL. Small writes are gathered for up
 * to FLUSH_MS so a chatty command does not cost a round trip per line; a full chunk is
 * written at once, and the writer waits for it (backpressure), so memory stays bounded.
 */
export class PgLogSink implements LogSink {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private size = 0;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;
  private closed = false;

  constructor(
    private readonly db: PgDb,
    private readonly runId: string,
    private readonly path: string,
  ) {}

  async append(data: Uint8Array): Promise<void> {
    if (this.closed) throw new StorageError("log_closed", "log is closed");
    this.throwIfFailed();
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (bytes.length === 0) return;
    this.buffered.push(bytes);
    this.bufferedBytes += bytes.length;
    if (this.bufferedBytes >= CHUNK_MAX) {
      await this.flush();
      this.throwIfFailed();
    } else {
      this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const data = Buffer.concat(this.buffered);
    this.buffered = [];
    this.bufferedBytes = 0;
    if (data.length === 0) return this.chain;
    this.chain = this.chain.then(async () => {
      if (this.failure !== undefined) return;
      try {
        for (let at = 0; at < data.length; at += CHUNK_MAX) await this.write(data.subarray(at, at + CHUNK_MAX));
      } catch (error) {
        this.failure = error;
      }
    });
    return this.chain;
  }

  private async write(piece: Buffer): Promise<void> {
    const offset = this.size;
    this.size += piece.length;
    await this.db.query(
      `WITH chunk AS (INSERT INTO log_chunks (run_id, path, byte_offset, data) VALUES ($1, $2, $3, $4))
       UPDATE run_logs SET size = $5 WHERE run_id = $1 AND path = $2 RETURNING pg_notify('${LOG_CHANNEL}', $1)`,
      [this.runId, this.path, offset, piece, this.size],
    );
  }
}
