/**
 * The one rule for git ref names, shared by push intake and `<repo>@<ref>` aliases, so
 * every ref a push can bring in can also be named afterwards.
 */
export const MAX_REF_LENGTH = 1024;

// Control characters beyond ASCII and format characters (U+202E and the other bidi
// overrides) make a ref read as another in a terminal or a web page.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/**
 * git check-ref-format's rules, plus no control or invisible formatting characters.
 * Returns why `ref` is refused, or undefined when it is a good name.
 */
export function checkRefName(ref: string): string | undefined {
  if (ref.length === 0) return "empty";
  if (ref.length > MAX_REF_LENGTH) return `longer than ${MAX_REF_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(ref)) return "contains a space, control character or one of ~^:?*[\\";
  if (INVISIBLE.test(ref)) return "contains a control or invisible formatting character (such as a bidi override)";
  if (ref.includes("..")) return "contains '..'";
  if (ref.includes("@{") || ref === "@") return "contains '@{' or is '@'";
  if (ref.startsWith("/") || ref.endsWith("/") || ref.includes("//")) return "has an empty path component";
  if (ref.endsWith(".")) return "ends with '.'";
  for (const part of ref.split("/")) {
    if (part.startsWith(".")) return "has a component starting with '.'";
    if (part.endsWith(".lock")) return "has a component ending in '.lock'";
  }
  return undefined;
}

/** A full ref as a push carries it: `refs/…` and a good name. */
export function checkFullRef(ref: string): string | undefined {
  if (!ref.startsWith("refs/")) return "does not start with refs/";
  return checkRefName(ref);
}
