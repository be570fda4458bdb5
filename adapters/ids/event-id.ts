import { closeSync, openSync, readSync } from "node:fs";

/**
 * A UUID v7 for a push event (RFC 9562: 48 bits of Unix milliseconds, then 74 random bits),
 * so spooled events sort by push time. Drawn from /dev/urandom rather than through the
 * `uuid` package, which loads node:crypto: the hook runs on every push, and crypto's two
 * dozen internal modules were a tenth of its start-up.
 */
export function newEventId(msecs: number): string {
  const bytes = Buffer.alloc(16);
  const fd = openSync("/dev/urandom", "r");
  try {
    readSync(fd, bytes, 6, 10, null);
  } finally {
    closeSync(fd);
  }
  bytes.writeUIntBE(msecs, 0, 6);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
