import { BIN_FILE } from "../../adapters/package/package-files.ts";

const BIN = BIN_FILE;

/** What the hook runs: the node binary and quire's entry, recorded so `hooks refresh` can rewrite them. */
export interface HookEntry {
  node: string;
  bin: string;
}

export interface HookFacts extends HookEntry {
  home: string;
  repo: string;
  /** The post-receive that was there before quire's, run first with the same stdin. */
  previous: string | null;
}

export const currentEntry = (): HookEntry => ({ node: process.execPath, bin: BIN });

export const HOOK_MARK = "# Installed by quire";

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * The post-receive hook: it knows its home and repo name and tells the server about each
 * push without ever failing it. With a previous hook it runs that one first, on a copy of
 * the same stdin and the untouched environment, and exits with its status, so git (and
 * the pusher) see exactly what they saw before quire came.
 */
export function hookScript(home: string, repo: string, options: { previous?: string | null; entry?: HookEntry } = {}): string {
  const { node, bin } = options.entry ?? currentEntry();
  const previous = options.previous ?? null;
  const head = [
    "#!/bin/sh",
    `${HOOK_MARK}: tells the quire server about each push and never fails the push.`,
    "# `quire hooks refresh` rewrites this file after node or quire moved;",
    "# `quire repo remove` puts back the hook it replaced.",
    `__quire_node=${quote(node)}`,
    `__quire_bin=${quote(bin)}`,
    `__quire_home=${quote(home)}`,
    `__quire_repo=${quote(repo)}`,
    ...(previous === null ? [] : [`__quire_previous=${quote(previous)}`]),
    // umask 007: what the hook writes into the home (the spool) stays the server group's, and no one else's.
    "__quire() {",
    '  if [ -x "$__quire_node" ] && [ -f "$__quire_bin" ]; then',
    '    (umask 007 && exec "$__quire_node" "$__quire_bin" hook post-receive --home "$__quire_home" --repo "$__quire_repo")',
    "  elif command -v quire >/dev/null 2>&1; then",
    '    (umask 007 && exec quire hook post-receive --home "$__quire_home" --repo "$__quire_repo")',
    "  else",
    '    echo "quire: this hook calls $__quire_node $__quire_bin, which is gone; no CI for this push. Fix: quire hooks refresh --home $__quire_home" >&2',
    "  fi",
    "  return 0",
    "}",
  ];
  const body =
    previous === null
      ? ["__quire", "exit 0"]
      : [
          // git skips a hook that is not executable; so do we.
          'if [ ! -x "$__quire_previous" ]; then __quire; exit 0; fi',
          '__quire_input=$(mktemp "${TMPDIR:-/tmp}/quire-hook.XXXXXX") || exec "$__quire_previous" "$@"',
          "trap 'rm -f \"$__quire_input\"' EXIT",
          'cat >"$__quire_input"',
          '"$__quire_previous" "$@" <"$__quire_input"',
          "__quire_status=$?",
          '__quire <"$__quire_input"',
          'exit "$__quire_status"',
        ];
  return [...head, ...body, ""].join("\n");
}

const unquote = (quoted: string) => quoted.slice(1, -1).replaceAll(`'\\''`, "'");
const QUOTED = String.raw`'(?:[^']|'\\'')*'`;

/**
 * Reads back what a quire hook calls, also from the one-line hooks older quire versions
 * wrote; undefined when the file is not quire's.
 */
export function readHookScript(text: string): HookFacts | undefined {
  if (!text.includes(HOOK_MARK)) return undefined;
  const legacy = new RegExp(`^exec (${QUOTED}) (${QUOTED}) hook post-receive --home (${QUOTED}) --repo (${QUOTED})$`, "m").exec(text);
  if (legacy) {
    const [, node = "", bin = "", home = "", repo = ""] = legacy;
    return { node: unquote(node), bin: unquote(bin), home: unquote(home), repo: unquote(repo), previous: null };
  }
  const value = (name: string) => {
    const match = new RegExp(`^__quire_${name}=(${QUOTED})$`, "m").exec(text);
    return match?.[1] === undefined ? undefined : unquote(match[1]);
  };
  const [node, bin, home, repo] = [value("node"), value("bin"), value("home"), value("repo")];
  if (node === undefined || bin === undefined || home === undefined || repo === undefined) return undefined;
  return { node, bin, home, repo, previous: value("previous") ?? null };
}
