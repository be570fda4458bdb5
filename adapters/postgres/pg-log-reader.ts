import type { LogReader } from "../../core/ports/run-files.ts";
import { RUN_ID_PATTERN } from "../../core/run/run-layout.ts";
import type { PgDb } from "./pg-db.ts";

/** Rows fetched per round trip while streaming a log: at most this many chunks in memory. */
const PAGE = 16;

/**
 * Streams a run file from a byte offset: logs chunk by chunk from log_chunks, other run
 * files (receipts) whole. The size is what was written when the read began; a live
 * tail asks again from where it stopped.
 */
export function pgLogReader(db: PgDb): LogReader {
  return {
    async open(repo, runId, relPath, offset) {
      if (!RUN_ID_PATTERN.test(runId)) return undefined;
      const { rows } = await db.query<{ kind: string; size: string; content: Buffer | null }>(
        `SELECT 'log' AS kind, l.size::text AS size, NULL::bytea AS content FROM run_logs l JOIN runs r USING (run_id)
          WHERE l.run_id = $1 AND r.repo = $2 AND l.path = $3
         UNION ALL
         SELECT 'file', length(f.content)::text, f.content FROM run_files f JOIN runs r USING (run_id)
          WHERE f.run_id = $1 AND r.repo = $2 AND f.path = $3`,
        [runId, repo, relPath],
      );
      const row = rows[0];
      if (!row) return undefined;
      const size = Number(row.size);
      const start = Math.min(Math.max(0, offset), size);
      if (row.kind === "file") {
        const rest = (row.content ?? Buffer.alloc(0)).subarray(start);
        return { size, stream: new ReadableStream<Uint8Array>({ start: (c) => (rest.length && c.enqueue(rest), c.close()) }) };
      }
      let next = start;
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (next >= size) return controller.close();
          const page = await db.query<{ start: string; data: Buffer }>(
            `SELECT byte_offset::text AS start, data FROM log_chunks
              WHERE run_id = $1 AND path = $2 AND byte_offset + length(data) > $3 AND byte_offset < $4
              ORDER BY byte_offset LIMIT ${PAGE}`,
            [runId, relPath, next, size],
          );
          if (page.rows.length === 0) return controller.close();
          for (const chunk of page.rows) {
            const from = Number(chunk.start);
            const piece = chunk.data.subarray(Math.max(0, next - from), Math.max(0, size - from));
            if (piece.length > 0) controller.enqueue(piece);
            next = from + chunk.data.length;
          }
        },
      });
      return { size, stream };
    },
  };
}
