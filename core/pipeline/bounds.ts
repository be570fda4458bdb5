/**
 * Size caps on everything a pipeline can make quire store or serve: `log()` messages, job
 * outputs, error texts, the sh records in receipts. A hostile or careless pipeline hits a
 * cap and gets told so; it never grows a receipt, or a response built from one, without end.
 */
export const MAX_LOG_MESSAGE_BYTES = 64 * 1024;
/** All of one job's `log()` messages together, as its receipt keeps them. */
export const MAX_LOG_MESSAGES_BYTES = 512 * 1024;
/** A job's outputs as JSON. */
export const MAX_OUTPUT_BYTES = 1024 * 1024;
export const MAX_ERROR_BYTES = 8 * 1024;
/** sh calls listed one by one in a receipt; the counts still cover every call. */
export const MAX_SH_RECORDS = 1000;
export const MAX_CMD_BYTES = 2 * 1024;
/** The most a receipt file may hold: what the run API reads whole. */
export const MAX_RECEIPT_BYTES = 4 * 1024 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const utf8Bytes = (text: string): number => encoder.encode(text).byteLength;

const kib = (bytes: number) => `${Math.round(bytes / 1024)} KiB`;

/**
 * `text` cut to at most `maxBytes` of UTF-8, saying where it was cut. Always cut after
 * redaction: a cut through a secret would leave a piece the redactor no longer knows.
 */
export function capText(text: string, maxBytes: number, what = "text"): { text: string; capped: boolean } {
  if (text.length <= maxBytes / 3 || utf8Bytes(text) <= maxBytes) return { text, capped: false };
  const note = ` … [quire: ${what} cut at ${kib(maxBytes)}]`;
  const room = Math.max(0, maxBytes - utf8Bytes(note));
  // Decoding a cut that splits a character leaves U+FFFD at the end; drop it.
  const head = decoder.decode(encoder.encode(text).subarray(0, room)).replace(/\uFFFD+$/, "");
  return { text: head + note, capped: true };
}

export const capError = (text: string): string => capText(text, MAX_ERROR_BYTES, "error text").text;

/** Why outputs are refused, or undefined when they fit. */
export function outputsProblem(job: string, outputs: Record<string, unknown>): string | undefined {
  const bytes = utf8Bytes(JSON.stringify(outputs));
  if (bytes <= MAX_OUTPUT_BYTES) return undefined;
  return `job "${job}": its outputs are ${kib(bytes)} of JSON, over the cap of ${kib(MAX_OUTPUT_BYTES)} a job; write large results to files and return their paths`;
}

/** One `log()` message as a receipt keeps it: when it was logged, so readers can place it among the commands. */
export interface LoggedMessage {
  at: string;
  text: string;
}

/** Keeps a job's `log()` messages within their caps, counting what it had to drop. */
export class MessageLog {
  readonly messages: LoggedMessage[] = [];
  private bytes = 0;
  private dropped = 0;
  private lastAt = "";

  /** Returns the message as stored (cut when over its cap). */
  add(redacted: string, at: string): string {
    const { text } = capText(redacted, MAX_LOG_MESSAGE_BYTES, "log message");
    const size = utf8Bytes(text);
    this.lastAt = at;
    if (this.bytes + size > MAX_LOG_MESSAGES_BYTES) this.dropped += 1;
    else {
      this.messages.push({ at, text });
      this.bytes += size;
    }
    return text;
  }

  /** The messages for the receipt, with a last one when some were dropped. */
  final(): LoggedMessage[] {
    if (this.dropped === 0) return this.messages;
    const text = `quire: ${this.dropped} more log message(s) dropped: a job keeps at most ${kib(MAX_LOG_MESSAGES_BYTES)} of them`;
    return [...this.messages, { at: this.lastAt, text }];
  }
}
