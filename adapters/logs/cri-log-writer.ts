import { criPrefix, formatCriBlock, formatCriLine } from "../../core/logs/cri-line.ts";
import { byteString } from "../../core/logs/redact.ts";
import type { LogOptions, LogSummary, LogWriter, Redactor } from "../../core/ports/run-files.ts";
import type { StreamName } from "../../core/ports/exec.ts";

/** Where formatted log bytes go: a file, or memory in tests. */
export interface LogSink {
  /** Queues bytes (the sink may keep them); resolves once the sink can take more (backpressure). */
  append(data: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** Longer unfinished lines go out as "P" pieces so memory stays bounded. */
export const LINE_MAX = 64 * 1024;
/** Past this, a line is cut even where a secret may end right at the cut (see splitLong). */
const LINE_HARD_MAX = 4 * LINE_MAX;

/**
 * The writer works on byte strings: each character is one byte of the command's output (a
 * latin1 reading, which copies and never validates). "\n" is the same byte in UTF-8 whatever
 * surrounds it, secrets are matched as their UTF-8 bytes (Redactor.bytes), and the bytes go
 * to the sink as they came: output is decoded only where text is handed on (the captured
 * stdout and stderr), not on the way to the log.
 */
type Bytes = string;

interface StreamState {
  readonly name: StreamName;
  /** The unfinished last line, raw: a secret split across chunks meets its rest here. */
  pending: Bytes;
  captured: Bytes[];
  capturedBytes: number;
}

const newStream = (name: StreamName): StreamState => ({ name, pending: "", captured: [], capturedBytes: 0 });

const bytesOf = (chunk: Uint8Array): Bytes => Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString("latin1");
const utf8Of = (bytes: Bytes): string => Buffer.from(bytes, "latin1").toString("utf8");

/**
 * One `sh` call's log. Works per chunk, never per line: each chunk's complete lines
 * are redacted and formatted as one block, stamped with one clock reading.
 */
export class CriLogWriter implements LogWriter {
  private readonly streams: Record<StreamName, StreamState> = { stdout: newStream("stdout"), stderr: newStream("stderr") };
  private readonly redactor: Redactor["bytes"];
  private bytes = 0;
  private lines = 0;
  private redactions = 0;
  private logged = 0;
  private capped = false;
  private truncated = false;
  private closing: Promise<LogSummary> | undefined;

  constructor(
    private readonly sink: LogSink,
    private readonly options: LogOptions,
    private readonly now: () => string,
  ) {
    this.redactor = options.redactor.bytes;
  }

  async write(stream: StreamName, chunk: Uint8Array): Promise<void> {
    if (this.closing) return;
    this.bytes += chunk.byteLength;
    const state = this.streams[stream];
    // Past the cap with the capture full there is nothing left to do but count.
    if (this.capped && state.capturedBytes >= this.options.captureBytes) {
      this.truncated = true;
      return;
    }
    if (chunk.byteLength > 0) await this.take(state, bytesOf(chunk), this.now());
  }

  async note(line: string): Promise<void> {
    const redacted = this.redact(byteString(line.replaceAll("\n", " ")));
    await this.sink.append(Buffer.from(formatCriLine({ time: this.now(), stream: "stderr", tag: "F", text: redacted }), "latin1"));
  }

  close(): Promise<LogSummary> {
    this.closing ??= this.finish();
    return this.closing;
  }

  private async finish(): Promise<LogSummary> {
    const time = this.now();
    for (const state of Object.values(this.streams)) {
      if (state.pending.length > 0) {
        // Output that ends without "\n" still ends a line.
        const text = this.redact(state.pending);
        state.pending = "";
        this.capture(state, text);
        await this.emit(formatCriLine({ time, stream: state.name, tag: "F", text }), 1);
      }
    }
    await this.sink.close();
    // A capture cut on its byte budget may end inside a character: that half is dropped, not mangled.
    const joined = (state: StreamState) => {
      const text = utf8Of(state.captured.join(""));
      return state.capturedBytes >= this.options.captureBytes ? text.replace(/\uFFFD$/, "") : text;
    };
    return {
      bytes: this.bytes,
      lines: this.lines,
      redactions: this.redactions,
      capped: this.capped,
      stdout: joined(this.streams.stdout),
      stderr: joined(this.streams.stderr),
      truncated: this.truncated,
    };
  }

  private async take(state: StreamState, text: Bytes, time: string): Promise<void> {
    const lastNewline = text.lastIndexOf("\n");
    let out = "";
    let lines = 0;
    if (lastNewline === -1) {
      state.pending += text;
    } else {
      const block = this.redact(state.pending + text.slice(0, lastNewline + 1));
      state.pending = text.slice(lastNewline + 1);
      this.capture(state, block);
      out = formatCriBlock(time, state.name, block);
      lines = blockLines(out, block, time, state.name);
    }
    if (state.pending.length > LINE_MAX) out += this.splitLong(state, time);
    if (out.length > 0) await this.emit(out, lines);
  }

  /**
   * Emits most of an overlong unfinished line as a "P" piece. The kept tail is the
   * raw text a secret could still be completing; the cut is only taken where the
   * redacted text ends with that raw tail untouched, so nothing emitted can change
   * once more output arrives.
   */
  private splitLong(state: StreamState, time: string): string {
    const raw = state.pending;
    const { text, count } = this.redactor.redact(raw);
    let keep = Math.min(Math.max(this.redactor.maxLength - 1, 0), raw.length);
    if (keep > 0 && !text.endsWith(raw.slice(raw.length - keep))) {
      // A secret touches the tail; wait for more output unless the line is huge.
      if (raw.length <= LINE_HARD_MAX) return "";
      keep = commonSuffix(text, raw);
    }
    keep = avoidSplitCharacter(raw, keep);
    const piece = text.slice(0, text.length - keep);
    state.pending = raw.slice(raw.length - keep);
    this.redactions += count;
    this.capture(state, piece);
    return formatCriLine({ time, stream: state.name, tag: "P", text: piece });
  }

  private redact(text: Bytes): Bytes {
    const result = this.redactor.redact(text);
    this.redactions += result.count;
    return result.text;
  }

  private async emit(out: Bytes, lines: number): Promise<void> {
    if (this.capped) return;
    if (this.logged + out.length <= this.options.capBytes) {
      this.logged += out.length;
      this.lines += lines;
      await this.sink.append(Buffer.from(out, "latin1"));
      return;
    }
    this.capped = true;
    const fitting = this.fit(out);
    if (fitting.length > 0) await this.sink.append(Buffer.from(fitting, "latin1"));
    await this.note(`quire: log cap of ${this.options.capBytes} bytes reached; further output is not logged`);
  }

  /** The whole lines of `out` that still fit under the cap. */
  private fit(out: Bytes): Bytes {
    let end = 0;
    for (let next = out.indexOf("\n"); next !== -1; next = out.indexOf("\n", end)) {
      const size = next + 1 - end;
      if (this.logged + size > this.options.capBytes) break;
      this.logged += size;
      this.lines += 1;
      end = next + 1;
    }
    return out.slice(0, end);
  }

  private capture(state: StreamState, text: Bytes): void {
    if (text.length === 0) return;
    const room = this.options.captureBytes - state.capturedBytes;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    if (text.length <= room) {
      state.captured.push(text);
      state.capturedBytes += text.length;
      return;
    }
    state.captured.push(text.slice(0, room));
    state.capturedBytes = this.options.captureBytes;
    this.truncated = true;
  }
}

/**
 * The lines formatCriBlock made of `block`, from lengths alone: each adds one prefix, and
 * a block that does not end in "\n" (a secret ending in one swallowed it) gets one added.
 */
function blockLines(out: Bytes, block: Bytes, time: string, stream: StreamName): number {
  const added = block.endsWith("\n") ? 0 : 1;
  return (out.length - block.length - added) / criPrefix(time, stream).length;
}

function commonSuffix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[a.length - 1 - n] === b[b.length - 1 - n]) n += 1;
  return n;
}

/**
 * Keeps fewer bytes when the cut would split a UTF-8 character (a continuation byte,
 * 10xxxxxx, right after it), so each piece decodes on its own: a shorter raw tail is
 * still a suffix of the redacted text, so the cut stays safe.
 */
function avoidSplitCharacter(raw: Bytes, keep: number): number {
  let k = keep;
  for (let n = 0; n < 3 && k > 0 && (raw.charCodeAt(raw.length - k) & 0xc0) === 0x80; n++) k -= 1;
  return k;
}
