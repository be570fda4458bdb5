import type { Redactor } from "../ports/run-files.ts";

/**
 * Shorter values would turn ordinary output ("true", "1234") into placeholders and
 * still leak by elimination, so the secret resolver refuses them.
 */
export const MIN_SECRET_LENGTH = 6;

export function secretTooShort(value: string): boolean {
  return value.length < MIN_SECRET_LENGTH;
}

export interface SecretValue {
  name: string;
  value: string;
}

const encoder = new TextEncoder();
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Hides every secret value, and each line of a multi-line value, since logs are
 * split into lines before redaction sees them. One regex with the alternatives
 * sorted longest first, so at any position the longest candidate wins.
 */
export function createRedactor(secrets: ReadonlyArray<SecretValue>): Redactor {
  const nameOf = new Map<string, string>();
  for (const secret of secrets) {
    for (const pattern of patternsOf(secret.value)) {
      // A value shared by two secrets keeps the first name; either one hides it.
      if (!nameOf.has(pattern)) nameOf.set(pattern, secret.name);
    }
  }
  if (nameOf.size === 0) {
    const none = { maxLength: 0, redact: (text: string) => ({ text, count: 0 }) };
    return { ...none, bytes: none };
  }
  const text = replacer(nameOf, (p) => encoder.encode(p).byteLength);
  // The same secrets and names as byte strings: a byte sequence matches exactly where its text would.
  const bytes = replacer(new Map([...nameOf].map(([pattern, name]) => [byteString(pattern), byteString(name)])), (p) => p.length);
  return { ...text, bytes };
}

/** One regex, alternatives longest first; `maxLength` in bytes, as `bytesOf` counts them. */
function replacer(nameOf: ReadonlyMap<string, string>, bytesOf: (pattern: string) => number): Pick<Redactor, "redact" | "maxLength"> {
  const patterns = [...nameOf.keys()].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  const maxLength = Math.max(...patterns.map(bytesOf));
  const regex = new RegExp(patterns.map(escapeRegExp).join("|"), "g");
  return {
    maxLength,
    redact(text) {
      let count = 0;
      const redacted = text.replace(regex, (match) => {
        count += 1;
        return `{{ ${nameOf.get(match) ?? "secret"} }}`;
      });
      return { text: redacted, count };
    },
  };
}

/** The UTF-8 bytes of `text`, one character each. */
export function byteString(text: string): string {
  const bytes = encoder.encode(text);
  let out = "";
  for (let i = 0; i < bytes.length; i += 0x2000) out += String.fromCharCode(...bytes.subarray(i, i + 0x2000));
  return out;
}

function patternsOf(value: string): string[] {
  if (value.length === 0) return [];
  const patterns = [value];
  if (/[\r\n]/.test(value)) {
    for (const line of value.split(/\r?\n|\r/)) {
      const trimmed = line.trim();
      if (trimmed.length >= MIN_SECRET_LENGTH) patterns.push(line, trimmed);
    }
  }
  return patterns;
}
