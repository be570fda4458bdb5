import type { Readable } from "node:stream";
import type { StreamName } from "../../core/ports/exec.ts";
import type { Write } from "./serialized-write.ts";

const HEADER = 8;

/**
 * Splits the engine's multiplexed attach stream (8-byte frame headers: stream type, then
 * the payload length big-endian) into stdout and stderr. Payloads are passed on as they
 * arrive, never gathered whole, and each write is awaited, so backpressure reaches the engine.
 */
export async function demuxDockerStream(input: Readable, write: Write): Promise<void> {
  let header = Buffer.alloc(0);
  let remaining = 0;
  let stream: StreamName = "stdout";
  for await (const raw of input) {
    let chunk = raw as Buffer;
    while (chunk.length > 0) {
      if (remaining === 0) {
        const take = Math.min(HEADER - header.length, chunk.length);
        header = Buffer.concat([header, chunk.subarray(0, take)]);
        chunk = chunk.subarray(take);
        if (header.length < HEADER) break;
        stream = header[0] === 2 ? "stderr" : "stdout";
        remaining = header.readUInt32BE(4);
        header = Buffer.alloc(0);
        continue;
      }
      const part = chunk.subarray(0, remaining);
      chunk = chunk.subarray(part.length);
      remaining -= part.length;
      await write(stream, part);
    }
  }
}
