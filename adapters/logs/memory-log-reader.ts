import type { LogReader, RunFiles } from "../../core/ports/run-files.ts";

/** The LogReader over any RunFiles held in memory (tests, `memoryDeps`); reads the whole file, then slices. */
export function memoryLogReader(files: Pick<RunFiles, "readFile">): LogReader {
  return {
    async open(repo, runId, relPath, offset) {
      const text = await files.readFile(repo, runId, relPath);
      if (text === undefined) return undefined;
      const bytes = new TextEncoder().encode(text);
      const rest = bytes.subarray(Math.min(Math.max(0, offset), bytes.length));
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          if (rest.length > 0) controller.enqueue(rest);
          controller.close();
        },
      });
      return { size: bytes.length, stream };
    },
  };
}
