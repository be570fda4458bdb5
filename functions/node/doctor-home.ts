import { stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { RegisteredRepo } from "../../core/repos/repo-registry.ts";
import type { Home } from "./home.ts";
import { lookupGroup, serverGrant, spoolDir } from "./home-access.ts";
import { hostingUsers } from "./hosting-users.ts";

export interface Problem {
  what: string;
  fix: string;
}

const octal = (mode: number) => (mode & 0o7777).toString(8).padStart(4, "0");

/**
 * The home's permissions: closed to everyone, and, when other users push to registered
 * repos, open to the hook group exactly as far as the hook needs (token, URL, spool).
 */
export async function checkHome(home: Home, repos: readonly RegisteredRepo[], groupName: string): Promise<Problem[]> {
  const problems: Problem[] = [];
  const root = await stat(home.root).catch(() => undefined);
  if (!root) return [{ what: `the home ${home.root} does not exist`, fix: `quire serve --home ${home.root} (it makes it)` }];
  if (root.mode & 0o007) {
    problems.push({ what: `the home ${home.root} is open to every user (mode ${octal(root.mode)})`, fix: `chmod o-rwx ${home.root}` });
  }
  const token = await stat(home.hookToken).catch(() => undefined);
  if (token && token.mode & 0o027) {
    problems.push({ what: `${home.hookToken} is readable or writable beyond its group (mode ${octal(token.mode)})`, fix: `chmod 640 ${home.hookToken}` });
  }
  const refresh = `quire hooks refresh --home ${home.root}`;
  const users = await hostingUsers(home, repos, groupName);
  if (users.length === 0) return problems;
  const pushers = users.map((user) => user.name).join(", ");
  const group = await lookupGroup(groupName);
  if (!group) return [...problems, { what: `pushes run as ${pushers} but the group ${groupName} does not exist`, fix: refresh }];
  const shared = (what: string, info: { gid: number; mode: number } | undefined, bits: number) =>
    !info || info.gid !== group.gid || (info.mode & bits) !== bits
      ? [{ what: `${what} is not shared with the group ${groupName} (pushes as ${pushers} get no CI)`, fix: refresh }]
      : [];
  problems.push(...shared(`the home ${home.root}`, root, 0o050));
  if (token) problems.push(...shared(home.hookToken, token, 0o040));
  problems.push(...shared(spoolDir(home), await stat(spoolDir(home)).catch(() => undefined), 0o070));
  const server = await serverGrant(home, groupName);
  if (server) problems.push({ what: `the server's user ${server.name} is not in the group ${groupName}: it cannot read events pushes as ${pushers} spool`, fix: server.grant });
  for (const user of users) {
    if (user.grant) problems.push({ what: `${user.name} pushes to registered repos but is not in the group ${groupName}`, fix: user.grant });
  }
  for (let dir = dirname(home.root); ; dir = dirname(dir)) {
    const info = await stat(dir);
    if (!(info.mode & 0o001)) {
      problems.push({ what: `${pushers} cannot reach the home: ${dir} is closed to other users (mode ${octal(info.mode)})`, fix: `chmod o+x ${dir}, or keep the home elsewhere (e.g. /var/lib/quire)` });
    }
    if (dir === dirname(dir)) break;
  }
  return problems;
}
