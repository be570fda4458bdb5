import { closeSync, fsync, openSync, writeSync } from "node:fs";
import { promisify } from "node:util";

const fsyncAsync = promisify(fsync);

/** Up to this size a file is written with plain syscalls; bigger ones go through the thread pool. */
export const SMALL_WRITE = 64 * 1024;

/**
 * Writes a small file and waits until it is on disk. Opening, writing and closing a file of
 * a few hundred bytes are syscalls of microseconds, done here synchronously: through the
 * promise API each was a thread-pool round trip that cost the event loop more CPU than
 * the syscall (on intake, five round trips a file). Only the fsync, which waits for the
 * disk, leaves the loop.
 */
export async function writeSmallDurable(path: string, data: string | Uint8Array, flags: "w" | "wx", mode = 0o644): Promise<void> {
  const fd = openSync(path, flags, mode);
  try {
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
    await fsyncAsync(fd);
  } finally {
    closeSync(fd);
  }
}
