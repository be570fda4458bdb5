/**
 * A server that does not run as root: the events a pusher spools are the pusher's files
 * (0660 in the hook group), so the server's user must be in that group as well as the
 * hosting user. `repo add` prints both commands and `quire doctor` names both until done.
 */
import { randomBytes } from "node:crypto";
import { chown, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quire, tempHome } from "../support/quire-process.ts";
import { tempDir } from "../support/temp-dir.ts";

const suffix = randomBytes(3).toString("hex");
const serverUser = `qsrv${suffix}`;
const gitUser = `qgit${suffix}`;
const group = `qgrp${suffix}`;

let home: string;
let srv: string;
let gitDir: string;

const uidOf = async (user: string) => Number((await execa("id", ["-u", user])).stdout);

beforeAll(async () => {
  for (const user of [serverUser, gitUser]) await execa("useradd", ["--no-create-home", "--shell", "/usr/sbin/nologin", user]);
  home = await tempHome();
  await writeFile(join(home, "config.yml"), `hook_group: ${group}\n`);
  const server = await uidOf(serverUser);
  await chown(home, server, server);
  await chown(join(home, "config.yml"), server, server);
  srv = await tempDir("quire-srv-");
  const git = await uidOf(gitUser);
  await chown(srv, git, git);
  gitDir = join(srv, "app.git");
  await execa("runuser", ["-u", gitUser, "--", "git", "init", "--quiet", "--bare", gitDir]);
}, 60_000);

afterAll(async () => {
  for (const user of [serverUser, gitUser]) await execa("userdel", [user], { reject: false });
  await execa("groupdel", [group], { reject: false });
  await rm(home, { recursive: true, force: true });
  await rm(srv, { recursive: true, force: true });
});

describe("a home owned by a server user that is not root", () => {
  it("repo add prints the command for the server's user and for the hosting user", async () => {
    const added = await quire(["repo", "add", gitDir, "--home", home]);
    expect(added.stderr).toBe("");
    expect(added.exitCode).toBe(0);
    const lines = added.stdout.split("\n").map((line) => line.trim());
    expect(lines).toContain(`usermod -a -G ${group} ${serverUser}`);
    expect(lines).toContain(`usermod -a -G ${group} ${gitUser}`);
  });

  it("doctor names both memberships until they are granted", async () => {
    const before = (await quire(["doctor", "--home", home])).stdout.split("\n");
    expect(before).toContain(
      `problem: the server's user ${serverUser} is not in the group ${group}: it cannot read events pushes as ${gitUser} spool; fix: usermod -a -G ${group} ${serverUser}`,
    );
    expect(before).toContain(`problem: ${gitUser} pushes to registered repos but is not in the group ${group}; fix: usermod -a -G ${group} ${gitUser}`);

    for (const user of [serverUser, gitUser]) await execa("usermod", ["-a", "-G", group, user]);
    const after = (await quire(["doctor", "--home", home])).stdout;
    expect(after).not.toContain(`not in the group ${group}`);
    // The rest is what this home lacks anyway: no server was started.
    expect(after.split("\n")).toEqual([
      `problem: no server is running for ${home} (no server.url): pushes get no CI; fix: quire serve --home ${home}`,
      "1 problem found",
    ]);
  });
});
