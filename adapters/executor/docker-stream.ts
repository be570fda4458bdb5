import type { Readable } from "node:stream";
import type { StreamName } from "../../core/ports/exec.ts";
import type { Write } from "./serialized-write.ts";

const HEADER = 8;

/**
 * Splits a multiplexed stream (8-byte frame headers: stream type, then the payload length
 * big-endian) into stdout and stderr: the engine's attach stream, and the output of
 * exec-mux.c, which uses the same frames. Payloads are passed on as they arrive, never
 * gathered whole, and each write is awaited, so backpressure reaches the producer.
 */
export function frameSplitter(write: Write): (chunk: Uint8Array) => Promise<void> {
  let header = Buffer.alloc(0);
  let remaining = 0;
  let stream: StreamName = "stdout";
  return async (raw) => {
    let chunk = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
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
  };
}

export async function demuxDockerStream(input: Readable, write: Write): Promise<void> {
  const split = frameSplitter(write);
  for await (const raw of input) await split(raw as Buffer);
}

/**
 * With exec-mux in front of the command, its stdout carries the command's two streams as
 * frames, in the order they were written; what reaches stderr directly is the wrapper's own.
 */
export function unmuxed(write: Write, muxed: boolean): Write {
  if (!muxed) return write;
  const split = frameSplitter(write);
  return (stream, chunk) => (stream === "stdout" ? split(chunk) : write(stream, chunk));
}
