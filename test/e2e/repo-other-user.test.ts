import { randomBytes } from "node:crypto";
import { chmod, chown, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gitEnv } from "../support/git.ts";
import { quire, startServer, tempHome, type ServerProcess } from "../support/quire-process.ts";
import { runIdsFromPush, waitForRun } from "../support/runs-api.ts";
import { tempDir } from "../support/temp-dir.ts";

// The ssh/gitolite setup: the server runs as root, a hosting user owns the repo and runs its hooks.
const suffix = randomBytes(3).toString("hex");
const user = `qpush${suffix}`;
const group = `qgrp${suffix}`;
const PIPELINE = `import { job } from "quire/ci";\njob("hello", ["quire/push"], async ({ sh }) => { await sh("echo hi from the hosting user push"); });\n`;

let home: string;
let srv: string;
let userHome: string;
let uid: number;
let server: ServerProcess | undefined;
let gitDir: string;
let markerHook: string;

/** Runs a command as the hosting user, with its own HOME, as an ssh login would. */
const asUser = (args: string[]) =>
  execa("runuser", ["-u", user, "--", ...args], { env: { ...gitEnv, HOME: userHome }, cwd: srv, reject: false });

beforeAll(async () => {
  await execa("useradd", ["--create-home", "--shell", "/bin/sh", user]);
  userHome = (await execa("getent", ["passwd", user])).stdout.split(":")[5] ?? "";
  uid = Number((await execa("id", ["-u", user])).stdout);
  home = await tempHome();
  await writeFile(join(home, "config.yml"), `hook_group: ${group}\n`);
  srv = await tempDir("quire-srv-");
  await chown(srv, uid, uid);
  gitDir = join(srv, "team", "app.git");
  expect((await asUser(["git", "init", "--quiet", "--bare", "--initial-branch=main", gitDir])).exitCode).toBe(0);
  // An existing hook, as a mail or deploy hook would be: it prints, and leaves a marker.
  markerHook = [
    "#!/bin/sh",
    "read old new ref",
    'echo "mail hook: $ref is now $new"',
    `echo "$new $ref $(id -un)" > ${join(srv, "marker")}`,
    "",
  ].join("\n");
  await writeFile(join(gitDir, "hooks", "post-receive"), markerHook);
  await chown(join(gitDir, "hooks", "post-receive"), uid, uid);
  await chmod(join(gitDir, "hooks", "post-receive"), 0o750);
  server = await startServer(home);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await execa("userdel", ["--remove", user], { reject: false });
  await execa("groupdel", [group], { reject: false });
  await rm(home, { recursive: true, force: true });
  await rm(srv, { recursive: true, force: true });
});

describe("a bare repo owned by another unix user, pushed to as that user", () => {
  it("repo add keeps its hook, shares the home with the hook group only, and prints the grant", async () => {
    const added = await quire(["repo", "add", gitDir, "--name", "team/app.git", "--home", home]);
    expect(added.stderr).toBe("");
    expect(added.exitCode).toBe(0);
    expect(added.stdout).toContain(`added team/app.git at ${gitDir}`);
    expect(added.stdout).toContain("post-receive.before-quire and runs first");
    const grant = `usermod -a -G ${group} ${user}`;
    expect(added.stdout.split("\n").at(-1)?.trim()).toBe(grant);
    const [command = "", ...args] = grant.split(" ");
    expect((await execa(command, args)).exitCode).toBe(0);

    const gid = Number((await execa("getent", ["group", group])).stdout.split(":")[2]);
    const root = await stat(home);
    expect([root.gid, root.mode & 0o7777]).toEqual([gid, 0o2750]);
    const token = await stat(join(home, "hook.token"));
    expect([token.gid, token.mode & 0o777]).toEqual([gid, 0o640]);
    const spool = await stat(join(home, "spool"));
    expect([spool.gid, spool.mode & 0o7777]).toEqual([gid, 0o2770]);
    // The hook quire put in belongs to the hosting user, like the rest of its hooks.
    expect((await stat(join(gitDir, "hooks", "post-receive"))).uid).toBe(uid);
  });

  it("a push as that user runs the old hook and quire's: the marker is written, a run appears, the output shows both", async () => {
    const work = join(srv, "work");
    expect((await asUser(["git", "clone", "--quiet", gitDir, work])).exitCode).toBe(0);
    await asUser(["mkdir", "-p", join(work, ".quire")]);
    await writeFile(join(work, ".quire", "ci.ts"), PIPELINE);
    await chown(join(work, ".quire", "ci.ts"), uid, uid);
    expect((await asUser(["git", "-C", work, "add", "."])).exitCode).toBe(0);
    expect((await asUser(["git", "-C", work, "commit", "--quiet", "-m", "pipeline"])).exitCode).toBe(0);
    const sha = (await asUser(["git", "-C", work, "rev-parse", "HEAD"])).stdout.trim();

    const push = await asUser(["git", "-C", work, "push", "origin", "HEAD:main"]);
    expect(push.exitCode).toBe(0);
    expect(push.stderr).toContain(`remote: mail hook: refs/heads/main is now ${sha}`);
    expect(push.stderr).toMatch(/remote: quire: run team\/app\.git#1 queued for refs\/heads\/main/);
    expect(await readFile(join(srv, "marker"), "utf8")).toBe(`${sha} refs/heads/main ${user}\n`);

    const [runId] = runIdsFromPush(push.stderr);
    const run = await waitForRun(server!, runId ?? "missing");
    expect([run.status, run.outcome, run.sha, run.error]).toEqual(["complete", "succeeded", sha, null]);
    // The server read the commit from a repo another user owns: its subject is in the run.
    const meta = await readFile(join(home, "runs", "team", "app.git", "complete", run.run_id, "meta.yml"), "utf8");
    expect(meta).toMatch(/^subject: pipeline$/m);
  }, 90_000);

  it("repo list shows where it lives and that its hook is healthy", async () => {
    const listed = await quire(["repo", "list", "--home", home]);
    expect(listed.stdout).toBe(`team/app.git  ${gitDir}  hook ok`);
  });

  it("repo remove puts the old hook back byte for byte, with its owner and mode", async () => {
    const removed = await quire(["repo", "remove", "team/app.git", "--home", home]);
    expect(removed.exitCode).toBe(0);
    const hook = join(gitDir, "hooks", "post-receive");
    expect(await readFile(hook, "utf8")).toBe(markerHook);
    const info = await stat(hook);
    expect([info.uid, info.mode & 0o777]).toEqual([uid, 0o750]);
    expect((await execa("ls", [join(gitDir, "hooks")])).stdout).not.toContain("before-quire");
    expect((await quire(["repo", "list", "--home", home])).stdout).toBe("");
  });
});
