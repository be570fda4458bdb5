import { pino } from "pino";
import type { Logger } from "../../core/ports/logger.ts";
import { logLine } from "./log-line.ts";

/**
 * `json`: one JSON object per line, for machines (what `quire serve` and `quire runner` write).
 * `line`: one readable line per entry, for people running a CLI command.
 */
export type LogFormat = "json" | "line";

/**
 * Logs to stderr; stdout stays free for command output. QUIRE_LOG_LEVEL and
 * QUIRE_LOG_FORMAT choose the level and the format (the CLI sets the format per command).
 */
export function pinoLogger(
  level = process.env.QUIRE_LOG_LEVEL ?? "info",
  format: LogFormat = process.env.QUIRE_LOG_FORMAT === "line" ? "line" : "json",
): Logger {
  if (format === "json") return pino({ level, base: { pid: process.pid } }, pino.destination(2));
  return pino({ level, base: null }, { write: (json: string) => void process.stderr.write(logLine(json)) });
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
