import { chmod, chown, mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "../../adapters/process/lazy-execa.ts";
import type { Home } from "./home.ts";

/**
 * The permissions model for pushes as another unix user: the hosting users (git, gitolite)
 * join one group; the home is `2750` in that group, the token `0640`, the spool `2770`.
 * The group can read the token and the server's URL and drop events in the spool; nobody
 * else can see anything in the home.
 */
export const HOME_MODE = 0o2750;
export const TOKEN_MODE = 0o640;
export const SPOOL_MODE = 0o2770;

export const spoolDir = (home: Home) => join(home.root, "spool");

export interface UnixGroup {
  name: string;
  gid: number;
  members: string[];
}

export async function lookupGroup(name: string): Promise<UnixGroup | undefined> {
  const result = await execa("getent", ["group", name], { reject: false });
  const [groupName, , gid, members = ""] = result.stdout.trim().split(":");
  if (result.exitCode !== 0 || groupName === undefined || gid === undefined) return undefined;
  return { name: groupName, gid: Number(gid), members: members.split(",").filter(Boolean) };
}

export async function userName(uid: number): Promise<string | undefined> {
  const result = await execa("getent", ["passwd", String(uid)], { reject: false });
  return result.exitCode === 0 ? result.stdout.split(":")[0] : undefined;
}

/** Whether `user` is in `group`, as a primary group or a supplementary one. */
export async function userInGroup(user: string, group: string): Promise<boolean> {
  const result = await execa("id", ["-nG", user], { reject: false });
  return result.exitCode === 0 && result.stdout.trim().split(/\s+/).includes(group);
}

export const grantCommand = (group: string, user: string) => `usermod -a -G ${group} ${user}`;

/**
 * The server's own user, when it must join the group too: events a pusher spools are its
 * files (0660 in the group), which a server that is not root reads only as a group member.
 */
export async function serverGrant(home: Home, group: string): Promise<{ name: string; grant: string } | undefined> {
  const owner = (await stat(home.root)).uid;
  if (owner === 0) return undefined;
  const name = (await userName(owner)) ?? String(owner);
  return (await userInGroup(name, group)) ? undefined : { name, grant: grantCommand(group, name) };
}

export type ShareResult = { ok: true; created: boolean } | { ok: false; message: string; fix: string };

/**
 * Opens the home to the group (and no further). As root a missing group is created, as a
 * package would; any other user is told the command to ask an admin for.
 */
export async function shareHome(home: Home, groupName: string): Promise<ShareResult> {
  let group = await lookupGroup(groupName);
  let created = false;
  if (!group) {
    if (process.getuid?.() !== 0) {
      return { ok: false, message: `group ${groupName} does not exist`, fix: `as root: groupadd --system ${groupName}` };
    }
    await execa("groupadd", ["--system", groupName]);
    group = await lookupGroup(groupName);
    if (!group) return { ok: false, message: `groupadd ${groupName} did not make the group`, fix: `groupadd --system ${groupName}` };
    created = true;
  }
  const gid = group.gid;
  const uid = (await stat(home.root)).uid;
  await chown(home.root, uid, gid);
  await chmod(home.root, HOME_MODE);
  await mkdir(spoolDir(home), { recursive: true });
  await chown(spoolDir(home), uid, gid);
  await chmod(spoolDir(home), SPOOL_MODE);
  for (const file of [home.hookToken, home.serverUrl]) {
    const info = await stat(file).catch(() => undefined);
    if (!info) continue;
    await chown(file, info.uid, gid);
    if (file === home.hookToken) await chmod(file, TOKEN_MODE);
  }
  return { ok: true, created };
}
