import { BIN_FILE } from "../../adapters/package/package-files.ts";

const BIN = BIN_FILE;

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** The post-receive hook `quire repo new` installs: it knows its home and its repo name. */
export function hookScript(home: string, repo: string): string {
  return [
    "#!/bin/sh",
    "# Installed by quire. Tells the quire server about this push; never fails the push.",
    `exec ${quote(process.execPath)} ${quote(BIN)} hook post-receive --home ${quote(home)} --repo ${quote(repo)}`,
    "",
  ].join("\n");
}
