import { stat } from "node:fs/promises";
import { readRegistry } from "../../adapters/git/repo-registry-file.ts";
import type { RegisteredRepo } from "../../core/repos/repo-registry.ts";
import type { Home } from "./home.ts";
import { grantCommand, serverGrant, shareHome, userInGroup, userName } from "./home-access.ts";

export interface HostingUser {
  uid: number;
  name: string;
  /** The one command that lets this user's pushes reach the server; undefined once granted. */
  grant?: string;
}

/** Users other than the home's owner who own registered repos, and so run their hooks. */
export async function hostingUsers(home: Home, repos: readonly RegisteredRepo[], group: string): Promise<HostingUser[]> {
  const homeOwner = (await stat(home.root)).uid;
  const uids = [...new Set(repos.map((repo) => repo.owner_uid))].filter((uid) => uid !== homeOwner).sort((a, b) => a - b);
  const users: HostingUser[] = [];
  for (const uid of uids) {
    const name = (await userName(uid)) ?? String(uid);
    const granted = await userInGroup(name, group);
    users.push(granted ? { uid, name } : { uid, name, grant: grantCommand(group, name) });
  }
  return users;
}

/**
 * Opens the home to the group when some registered repo is pushed to as another user;
 * returns the lines to tell the person running quire.
 */
export async function shareForHostingUsers(home: Home, repos: readonly RegisteredRepo[], group: string): Promise<string[]> {
  const users = await hostingUsers(home, repos, group);
  if (users.length === 0) return [];
  const shared = await shareHome(home, group);
  if (!shared.ok) return [`quire: ${shared.message}; pushes as ${users.map((u) => u.name).join(", ")} get no CI until: ${shared.fix}`];
  const lines = shared.created ? [`created the unix group ${group} for users who push to quire's repos`] : [];
  const server = await serverGrant(home, group);
  if (server) lines.push(`the server runs as ${server.name}; let it read what pushes leave in the spool with:\n  ${server.grant}`);
  for (const user of users) {
    if (user.grant) lines.push(`pushes run as ${user.name}; let them reach the server with:\n  ${user.grant}`);
  }
  return lines;
}

/** At server start: a token made again or a spool made by someone else is shared once more. */
export async function shareRegisteredHome(home: Home, group: string): Promise<string[]> {
  return shareForHostingUsers(home, (await readRegistry(home.registry)).repos, group);
}
