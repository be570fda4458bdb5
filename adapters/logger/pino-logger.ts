import { pino } from "pino";
import type { Logger } from "../../core/ports/logger.ts";

/** Structured JSON logs to stderr; stdout stays free for command output. */
export function pinoLogger(level = process.env.QUIRE_LOG_LEVEL ?? "info"): Logger {
  return pino({ level, base: { pid: process.pid } }, pino.destination(2));
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
