import { AnsiUp } from "ansi_up";
import { parseCriLine } from "../../core/logs/cri-line.ts";

export interface RenderedLine {
  time: string | null;
  stream: "stdout" | "stderr" | null;
  /** The line's text as HTML: escaped, ANSI colours as spans, nothing else. */
  html: string;
}

/**
 * One renderer per log file: ANSI state (a colour left on at the end of a line) carries
 * into the next line, as it would in a terminal.
 */
export function logLineRenderer(): (raw: string) => RenderedLine {
  const ansi = new AnsiUp();
  ansi.escape_html = true;
  // Links in logs come from whoever pushed: never make them clickable.
  ansi.url_allowlist = {};
  return (raw) => {
    const line = parseCriLine(raw);
    if (!line) return { time: null, stream: null, html: ansi.ansi_to_html(raw) };
    return { time: line.time, stream: line.stream, html: ansi.ansi_to_html(line.text) };
  };
}
