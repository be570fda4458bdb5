import type { OutputSink, StreamName } from "../../core/ports/exec.ts";

export type Write = (stream: StreamName, chunk: Uint8Array) => Promise<void>;

/** The sink sees one write at a time, whichever stream it comes from. */
export function serialized(sink: OutputSink): Write {
  let tail: Promise<void> = Promise.resolve();
  return (stream, chunk) => {
    const next = tail.then(() => sink.write(stream, chunk));
    tail = next.catch(() => undefined);
    return next;
  };
}
