import pg from "pg";
import type { Logger } from "../../core/ports/logger.ts";

const RETRY_MS = 1_000;

/**
 * LISTEN on a few channels over one dedicated connection, reconnecting after a drop.
 * Notifications are a fast path only: whoever listens also polls, so a notification
 * lost while the connection was down costs latency, never correctness.
 */
export class PgListener {
  private client: pg.Client | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly channels: readonly string[],
    private readonly onNotify: (channel: string, payload: string) => void,
    private readonly logger?: Logger,
  ) {}

  async start(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.url, application_name: "quire-listen" });
    client.on("notification", (n) => this.onNotify(n.channel, n.payload ?? ""));
    client.on("error", () => this.reconnect(client));
    client.on("end", () => this.reconnect(client));
    try {
      await client.connect();
      for (const channel of this.channels) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      this.client = client;
    } catch (error) {
      this.logger?.warn({ err: { message: (error as Error).message } }, "cannot listen for notifications; polling only until it can");
      this.reconnect(client);
    }
  }

  private reconnect(client: pg.Client): void {
    if (this.closed || this.retry) return;
    if (this.client === client) this.client = undefined;
    client.end().catch(() => undefined);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.start();
    }, RETRY_MS);
    this.retry.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }
}
