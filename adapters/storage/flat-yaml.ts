import { parse, stringify } from "yaml";

/**
 * Reads the flat `key: value` YAML of meta.yml and state.yml without the full YAML parser,
 * which cost some 0.25 ms a file: a first start with no index reads two files of every run.
 * Only forms whose meaning is certain are read here (null, true/false, decimal integers,
 * JSON-compatible double-quoted strings, plain strings of safe characters); anything else
 * (nested maps, block scalars, other quoting, odd numbers) goes to the YAML parser, so the
 * result is always what `parse` gives.
 */
export function parseFlatYaml(text: string): unknown {
  return fastParse(text) ?? parse(text);
}

const KEY_LINE = /^([a-z_][a-z0-9_]*): (.*)$/;
const INTEGER = /^-?(?:0|[1-9][0-9]{0,14})$/;
// A plain scalar YAML can only read as a string: no indicator first, no `: ` or ` #` inside.
const PLAIN = /^[A-Za-z0-9_./][A-Za-z0-9_ ./@+:,()=-]*$/;
// Every form YAML's core schema reads as a number (timestamps stay strings in YAML 1.2).
const NUMBERISH = /^[-+]?(?:[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
// Plain words YAML's core schema reads as something other than a string.
const SPECIAL = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE)$/;

/** The fast reading alone: undefined where the text needs the YAML parser. */
export function fastParse(text: string): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  for (const line of lines) {
    const match = KEY_LINE.exec(line);
    if (!match) return undefined;
    const [, key = "", raw = ""] = match;
    if (Object.hasOwn(out, key)) return undefined;
    const value = scalar(raw);
    if (value === undefined) return undefined;
    out[key] = value.v;
  }
  return out;
}

function scalar(raw: string): { v: unknown } | undefined {
  if (raw === "null") return { v: null };
  if (raw === "true" || raw === "false") return { v: raw === "true" };
  if (INTEGER.test(raw)) return { v: Number(raw) };
  if (raw.startsWith('"')) return quoted(raw);
  if (SPECIAL.test(raw) || NUMBERISH.test(raw) || !PLAIN.test(raw)) return undefined;
  if (raw.endsWith(" ") || raw.endsWith(":") || raw.includes(": ") || raw.includes(" #")) return undefined;
  return { v: raw };
}

/** A double-quoted scalar whose escapes are all ones JSON and YAML read alike. */
function quoted(raw: string): { v: unknown } | undefined {
  if (raw.length < 2 || !raw.endsWith('"')) return undefined;
  if (/\\[^"\\/bfnrtu]/.test(raw)) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === "string" ? { v: value } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes a record of scalars (and one level of nested records, a lease) as flat YAML from a
 * fixed template, with the YAML library only for anything else: stringify was the largest
 * CPU cost of intake. A string is written plain only where the reader above reads it back as
 * that string, else JSON-quoted, which YAML reads as the same string.
 */
export function stringifyFlatYaml(record: Record<string, unknown>): string {
  return flat(record, "") ?? stringify(record);
}

function flat(record: Record<string, unknown>, indent: string): string | undefined {
  let out = "";
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) continue;
    if (!/^[a-z_][a-z0-9_]*$/.test(key)) return undefined;
    if (value !== null && typeof value === "object") {
      if (indent !== "" || Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype) return undefined;
      const inner = flat(value as Record<string, unknown>, "  ");
      if (inner === undefined || inner === "") return undefined;
      out += `${key}:\n${inner}`;
      continue;
    }
    const text = scalarText(value);
    if (text === undefined) return undefined;
    out += `${indent}${key}: ${text}\n`;
  }
  return out;
}

function scalarText(value: unknown): string | undefined {
  if (value === null || typeof value === "boolean") return String(value);
  if (typeof value === "number") return Number.isSafeInteger(value) && !Object.is(value, -0) ? String(value) : undefined;
  if (typeof value !== "string") return undefined;
  if (scalar(value)?.v === value) return value;
  // JSON leaves U+2028/2029 raw; escaped, no reader can take them for line breaks.
  return JSON.stringify(value).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}
