import type { StreamName } from "../ports/exec.ts";

/** "F" ends a logical line; "P" is a piece of a longer one, continued by the next line. */
export type CriTag = "F" | "P";

export interface CriLine {
  time: string;
  stream: StreamName;
  tag: CriTag;
  text: string;
}

/** The part before the text, shared by every line of one batch. */
export function criPrefix(time: string, stream: StreamName, tag: CriTag = "F"): string {
  return `${time} ${stream} ${tag} `;
}

export function formatCriLine(line: CriLine): string {
  return `${criPrefix(line.time, line.stream, line.tag)}${line.text}\n`;
}

/**
 * Formats a block of complete lines (each ending in "\n") in one pass: cheaper than
 * a string per line when a command prints millions of them.
 */
export function formatCriBlock(time: string, stream: StreamName, block: string): string {
  if (block.length === 0) return "";
  const prefix = criPrefix(time, stream);
  const body = block.endsWith("\n") ? block.slice(0, -1) : block;
  return `${prefix}${body.replaceAll("\n", `\n${prefix}`)}\n`;
}

const CRI = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})) (stdout|stderr) ([FP]) (.*)$/s;

/** One line of a log file, without its "\n"; undefined if it is not CRI. */
export function parseCriLine(line: string): CriLine | undefined {
  const match = CRI.exec(line);
  if (!match) return undefined;
  const [, time, stream, tag, text] = match;
  if (time === undefined || text === undefined) return undefined;
  return { time, stream: stream as StreamName, tag: tag as CriTag, text };
}

/** Joins "P" pieces into the logical lines a reader wants; skips lines that are not CRI. */
export function assembleCriLines(lines: Iterable<string>): CriLine[] {
  const out: CriLine[] = [];
  const open = new Map<StreamName, CriLine>();
  for (const raw of lines) {
    const line = parseCriLine(raw);
    if (!line) continue;
    const started = open.get(line.stream);
    const merged = started ? { ...started, text: started.text + line.text, tag: line.tag } : line;
    if (line.tag === "P") {
      open.set(line.stream, merged);
    } else {
      open.delete(line.stream);
      out.push(merged);
    }
  }
  // A log cut short (cap, crash) may end inside a long line; keep what is there.
  for (const started of open.values()) out.push(started);
  return out;
}

