import { TextDecoder } from "node:util";
import { criPrefix, formatCriBlock, formatCriLine } from "../../core/logs/cri-line.ts";
import type { LogOptions, LogSummary, LogWriter, Redactor } from "../../core/ports/run-files.ts";
import type { StreamName } from "../../core/ports/exec.ts";

/** Where formatted log text goes: a file, or memory in tests. */
export interface LogSink {
  /** Queues text; resolves once the sink can take more (backpressure). */
  append(text: string): Promise<void>;
  close(): Promise<void>;
}

/** Longer unfinished lines go out as "P" pieces so memory stays bounded. */
export const LINE_MAX = 64 * 1024;
/** Past this, a line is cut even where a secret may end right at the cut (see splitLong). */
const LINE_HARD_MAX = 4 * LINE_MAX;

interface StreamState {
  readonly name: StreamName;
  readonly decoder: TextDecoder;
  /** The unfinished last line, raw: a secret split across chunks meets its rest here. */
  pending: string;
  captured: string[];
  capturedBytes: number;
}

const newStream = (name: StreamName): StreamState => ({
  name,
  decoder: new TextDecoder("utf-8"),
  pending: "",
  captured: [],
  capturedBytes: 0,
});

/**
 * One `sh` call's log. Works per chunk, never per line: each chunk's complete lines
 * are redacted and formatted as one block, stamped with one clock reading.
 */
export class CriLogWriter implements LogWriter {
  private readonly streams: Record<StreamName, StreamState> = { stdout: newStream("stdout"), stderr: newStream("stderr") };
  private readonly redactor: Redactor;
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
    this.redactor = options.redactor;
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
    const text = state.decoder.decode(chunk, { stream: true });
    if (text.length > 0) await this.take(state, text, this.now());
  }

  async note(line: string): Promise<void> {
    const redacted = this.redact(line.replaceAll("\n", " "));
    await this.sink.append(formatCriLine({ time: this.now(), stream: "stderr", tag: "F", text: redacted }));
  }

  close(): Promise<LogSummary> {
    this.closing ??= this.finish();
    return this.closing;
  }

  private async finish(): Promise<LogSummary> {
    const time = this.now();
    for (const state of Object.values(this.streams)) {
      const rest = state.decoder.decode();
      if (rest.length > 0) await this.take(state, rest, time);
      if (state.pending.length > 0) {
        // Output that ends without "\n" still ends a line.
        const text = this.redact(state.pending);
        state.pending = "";
        this.capture(state, text);
        await this.emit(formatCriLine({ time, stream: state.name, tag: "F", text }), 1);
      }
    }
    await this.sink.close();
    const joined = (state: StreamState) => state.captured.join("");
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

  private async take(state: StreamState, text: string, time: string): Promise<void> {
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
    keep = avoidSplitPair(raw, keep);
    const piece = text.slice(0, text.length - keep);
    state.pending = raw.slice(raw.length - keep);
    this.redactions += count;
    this.capture(state, piece);
    return formatCriLine({ time, stream: state.name, tag: "P", text: piece });
  }

  private redact(text: string): string {
    const result = this.redactor.redact(text);
    this.redactions += result.count;
    return result.text;
  }

  private async emit(out: string, lines: number): Promise<void> {
    if (this.capped) return;
    const size = Buffer.byteLength(out);
    if (this.logged + size <= this.options.capBytes) {
      this.logged += size;
      this.lines += lines;
      await this.sink.append(out);
      return;
    }
    this.capped = true;
    const fitting = this.fit(out);
    await this.sink.append(fitting);
    await this.note(`quire: log cap of ${this.options.capBytes} bytes reached; further output is not logged`);
  }

  /** The whole lines of `out` that still fit under the cap. */
  private fit(out: string): string {
    let end = 0;
    for (let next = out.indexOf("\n"); next !== -1; next = out.indexOf("\n", end)) {
      const size = Buffer.byteLength(out.slice(end, next + 1));
      if (this.logged + size > this.options.capBytes) break;
      this.logged += size;
      this.lines += 1;
      end = next + 1;
    }
    return out.slice(0, end);
  }

  private capture(state: StreamState, text: string): void {
    if (text.length === 0) return;
    const room = this.options.captureBytes - state.capturedBytes;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const size = Buffer.byteLength(text);
    if (size <= room) {
      state.captured.push(text);
      state.capturedBytes += size;
      return;
    }
    // Cut on a byte budget; a character cut in half is dropped, not mangled.
    const cut = Buffer.from(text).subarray(0, room).toString("utf8").replace(/\uFFFD$/, "");
    state.captured.push(cut);
    state.capturedBytes = this.options.captureBytes;
    this.truncated = true;
  }
}

/**
 * The lines formatCriBlock made of `block`, from lengths alone: each adds one prefix, and
 * a block that does not end in "\n" (a secret ending in one swallowed it) gets one added.
 */
function blockLines(out: string, block: string, time: string, stream: StreamName): number {
  const added = block.endsWith("\n") ? 0 : 1;
  return (out.length - block.length - added) / criPrefix(time, stream).length;
}

function commonSuffix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[a.length - 1 - n] === b[b.length - 1 - n]) n += 1;
  return n;
}

/**
 * Keeps one character less when the cut would split a surrogate pair: a shorter
 * raw tail is still a suffix of the redacted text, so the cut stays safe.
 */
function avoidSplitPair(raw: string, keep: number): number {
  const code = raw.charCodeAt(raw.length - keep);
  return keep > 0 && code >= 0xdc00 && code <= 0xdfff ? keep - 1 : keep;
}
