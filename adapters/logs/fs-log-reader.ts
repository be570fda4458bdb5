import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { LogReader } from "../../core/ports/run-files.ts";
import type { FsLayout } from "../storage/fs-layout.ts";

/**
 * Reads a run file from an offset without loading it whole. A run can change state
 * directory between locate and open; the open fd keeps reading the same inode.
 */
export function fsLogReader(layout: FsLayout): LogReader {
  return {
    async open(repo, runId, relPath, offset) {
      const state = await layout.locate(repo, runId);
      if (state === undefined) return undefined;
      const path = join(layout.runDir(repo, state, runId), relPath);
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile()) return undefined;
      const start = Math.min(Math.max(0, offset), info.size);
      const node = createReadStream(path, { start, end: Math.max(start, info.size - 1) });
      const stream = start >= info.size ? new ReadableStream<Uint8Array>({ start: (c) => c.close() }) : (Readable.toWeb(node) as ReadableStream<Uint8Array>);
      if (start >= info.size) node.destroy();
      return { size: info.size, stream };
    },
  };
}
