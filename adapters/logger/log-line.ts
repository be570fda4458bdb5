const LEVELS: Record<number, string> = { 10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal" };
const LEFT_OUT = new Set(["level", "time", "pid", "hostname", "msg"]);

/**
 * One pino JSON entry as a person reads it: `quire: warn: message (key=value, …)`. An error
 * shows its message, never its stack.
 */
export function logLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith("\n") ? json : `${json}\n`;
  }
  const level = LEVELS[entry.level as number] ?? String(entry.level);
  const fields = Object.entries(entry)
    .filter(([key]) => !LEFT_OUT.has(key))
    .map(([key, value]) => `${key}=${show(value)}`);
  const msg = typeof entry.msg === "string" ? entry.msg : "";
  return `quire: ${level}: ${msg}${fields.length ? ` (${fields.join(", ")})` : ""}\n`.replaceAll(/\r?\n(?!$)/g, " ");
}

function show(value: unknown): string {
  if (typeof value === "string") return /^[^\s,()"]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === "object" && value !== null && typeof (value as { message?: unknown }).message === "string") {
    return JSON.stringify((value as { message: string }).message);
  }
  return JSON.stringify(value) ?? String(value);
}
