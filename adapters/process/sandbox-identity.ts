/**
 * Who sandboxed code runs as. A server running as root drops to an unprivileged user (by
 * default `nobody`); any other server keeps its own uid, which bubblewrap maps into a user
 * namespace of its own.
 */
import { readFileSync } from "node:fs";
import { QuireError } from "../../core/errors.ts";
import type { SandboxIds } from "./bwrap-args.ts";

export const DEFAULT_SANDBOX_USER = "nobody";
const NOBODY = 65534;

/** undefined: not root, nothing to drop. Throws a config error for root or an unknown name. */
export function sandboxIds(user: string | number = DEFAULT_SANDBOX_USER, isRoot = process.getuid?.() === 0): SandboxIds | undefined {
  if (!isRoot) return undefined;
  const entry = passwdEntry(user);
  const ids = entry ?? (typeof user === "number" ? { uid: user, gid: user } : user === DEFAULT_SANDBOX_USER ? { uid: NOBODY, gid: NOBODY } : undefined);
  if (ids === undefined) throw new QuireError("config_invalid", `host.user: no user named ${JSON.stringify(user)} in /etc/passwd`);
  if (ids.uid === 0 || ids.gid === 0) throw new QuireError("config_invalid", `host.user: jobs never run as root; name an unprivileged user (default ${DEFAULT_SANDBOX_USER})`);
  return ids;
}

function passwdEntry(user: string | number): SandboxIds | undefined {
  let text: string;
  try {
    text = readFileSync("/etc/passwd", "utf8");
  } catch {
    return undefined;
  }
  for (const line of text.split("\n")) {
    const [name, , uid, gid] = line.split(":");
    if (name === undefined || uid === undefined || gid === undefined) continue;
    if (name === String(user) || (typeof user === "number" && Number(uid) === user)) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}
