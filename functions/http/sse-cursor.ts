/**
 * Where a live stream of a run's logs stands: for each log file, the bytes and the lines
 * already sent. It travels as the SSE `id:` of every event, so a reconnecting EventSource
 * (`Last-Event-ID`) resumes after the last line it received, never repeating one.
 * Format: `v1` then `,<job>:<n>:<bytes>:<lines>` per file, the job URI-encoded (no `,` or `:`).
 */
export interface LogPosition {
  bytes: number;
  lines: number;
}

export type StreamCursor = Map<string, LogPosition>;

const MAX_ID = 64 * 1024;

export const logKey = (job: string, n: number) => `${job}/${n}`;

export function encodeCursor(cursor: StreamCursor): string {
  const parts = ["v1"];
  for (const [key, at] of cursor) {
    const slash = key.lastIndexOf("/");
    parts.push(`${encodeURIComponent(key.slice(0, slash))}:${key.slice(slash + 1)}:${at.bytes}:${at.lines}`);
  }
  return parts.join(",");
}

/** An id this server did not write (or none) starts from the beginning; it is a hint, not an input to trust. */
export function decodeCursor(id: string | undefined): StreamCursor {
  const cursor: StreamCursor = new Map();
  if (!id || id.length > MAX_ID) return cursor;
  const [version, ...parts] = id.split(",");
  if (version !== "v1") return cursor;
  for (const part of parts) {
    const match = /^([^:]+):(\d{1,7}):(\d{1,15}):(\d{1,15})$/.exec(part);
    if (!match) return new Map();
    let job: string;
    try {
      job = decodeURIComponent(match[1] as string);
    } catch {
      return new Map();
    }
    cursor.set(logKey(job, Number(match[2])), { bytes: Number(match[3]), lines: Number(match[4]) });
  }
  return cursor;
}
