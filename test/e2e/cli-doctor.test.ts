import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkClone } from "../support/git.ts";
import { QUIRE_BIN, quire, startServer, tempHome, type ServerProcess } from "../support/quire-process.ts";
import { runIdsFromPush } from "../support/runs-api.ts";
import { tempDir } from "../support/temp-dir.ts";

let home: string;
let srv: string;
let server: ServerProcess | undefined;
let external: string;

beforeAll(async () => {
  home = await tempHome();
  srv = await tempDir("quire-srv-");
  server = await startServer(home);
  expect((await quire(["repo", "new", "demo.git", "--home", home])).exitCode).toBe(0);
  external = join(srv, "app.git");
  await mkdir(external);
  await execa("git", ["init", "--quiet", "--bare", "--initial-branch=main", external]);
  expect((await quire(["repo", "add", external, "--name", "team/app.git", "--home", home])).exitCode).toBe(0);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await rm(home, { recursive: true, force: true });
  await rm(srv, { recursive: true, force: true });
});

const hookOf = (gitDir: string) => join(gitDir, "hooks", "post-receive");

describe("quire doctor and quire hooks refresh", () => {
  it("finds nothing wrong on a healthy home", async () => {
    const doctor = await quire(["doctor", "--home", home]);
    expect(doctor.stdout).toBe("no problems (checked server, home, 2 repo hooks, bubblewrap)");
    expect(doctor.exitCode).toBe(0);
  });

  it("names the hooks a node upgrade and a moved checkout broke; refresh fixes them and pushes reach the server again", async () => {
    const demo = join(home, "repos", "demo.git");
    const demoHook = await readFile(hookOf(demo), "utf8");
    await writeFile(hookOf(demo), demoHook.replace(`__quire_node='${process.execPath}'`, "__quire_node='/opt/node-18/bin/node'"));
    const appHook = await readFile(hookOf(external), "utf8");
    const bin = /^__quire_bin='(.*)'$/m.exec(appHook)?.[1] ?? "";
    await writeFile(hookOf(external), appHook.replace(`__quire_bin='${bin}'`, "__quire_bin='/srv/old-checkout/bin/quire.js'"));

    const doctor = await quire(["doctor", "--home", home]);
    expect(doctor.exitCode).toBe(1);
    expect(doctor.stdout.split("\n")).toEqual([
      `problem: repo demo.git: the hook calls node at /opt/node-18/bin/node, which is missing; fix: quire hooks refresh --home ${home}`,
      `problem: repo team/app.git: the hook calls quire at /srv/old-checkout/bin/quire.js, which is missing; fix: quire hooks refresh --home ${home}`,
      "2 problems found",
    ]);
    expect((await quire(["repo", "list", "--home", home])).stdout).toContain("hook broken: the hook calls node at /opt/node-18/bin/node");

    const refresh = await quire(["hooks", "refresh", "--home", home]);
    expect(refresh.exitCode).toBe(0);
    expect(refresh.stdout).toMatch(/^refreshed +demo\.git .*\(was: the hook calls node at \/opt\/node-18\/bin\/node, which is missing\)$/m);
    expect(refresh.stdout).toMatch(/^refreshed +team\/app\.git /m);
    expect(await readFile(hookOf(demo), "utf8")).toBe(demoHook);
    expect(await readFile(hookOf(external), "utf8")).toBe(appHook);
    expect((await quire(["doctor", "--home", home])).exitCode).toBe(0);
    expect((await quire(["hooks", "refresh", "--home", home])).stdout).toMatch(/^unchanged +demo\.git/m);

    const clone = await WorkClone.of(external);
    await clone.commit({ ".quire/ci.ts": `import { job } from "quire/ci";\njob("t", ["quire/push"], async () => {});\n` });
    expect(runIdsFromPush(await clone.push(["origin", "main"]))).toHaveLength(1);
    await rm(join(clone.dir, ".."), { recursive: true, force: true });
  }, 120_000);

  it("refresh puts back a hook that went missing; doctor names a stopped server and an open home", async () => {
    await rm(hookOf(external));
    expect((await quire(["doctor", "--home", home])).stdout).toContain(`problem: repo team/app.git: no hook at ${hookOf(external)}`);
    expect((await quire(["hooks", "refresh", "--home", home])).stdout).toMatch(/^reinstalled team\/app\.git/m);
    await server?.stop();
    await execa("chmod", ["755", home]);
    const doctor = await quire(["doctor", "--home", home]);
    expect(doctor.stdout.split("\n")).toEqual([
      `problem: no server is running for ${home} (no server.url): pushes get no CI; fix: quire serve --home ${home}`,
      `problem: the home ${home} is open to every user (mode 0755); fix: chmod o-rwx ${home}`,
      "2 problems found",
    ]);
  }, 60_000);
});

describe("quire doctor: configuration, sandbox and docker", () => {
  let bare: string;
  beforeAll(async () => {
    bare = await tempHome();
  });
  afterAll(async () => {
    await rm(bare, { recursive: true, force: true });
  });
  const noServer = () => `problem: no server is running for ${bare} (no server.url): pushes get no CI; fix: quire serve --home ${bare}`;

  it("with executor: docker it checks the engine: quiet when it answers, one line with the fix when not", async () => {
    await writeFile(join(bare, "config.yml"), "executor: docker\n");
    const up = await quire(["doctor", "--home", bare]);
    expect(up.stdout.split("\n")).toEqual([noServer(), "1 problem found"]);
    const down = await quire(["doctor", "--home", bare], { env: { DOCKER_HOST: `unix://${join(bare, "no-docker.sock")}` } });
    expect(down.exitCode).toBe(1);
    const lines = down.stdout.split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^problem: executor is docker but the engine does not answer \(.*no-docker\.sock.*\); fix: start it: systemctl start docker/);
  }, 60_000);

  it("a config.yml the server would refuse is one problem, and the other checks still run", async () => {
    await writeFile(join(bare, "config.yml"), "executor: podman\n");
    const doctor = await quire(["doctor", "--home", bare]);
    expect(doctor.exitCode).toBe(1);
    expect(doctor.stderr).toBe("");
    const [config = "", ...rest] = doctor.stdout.split("\n");
    expect(config).toMatch(new RegExp(`^problem: quire serve would refuse to start: ${join(bare, "config.yml")}: executor: .*; fix: edit ${join(bare, "config.yml")}`));
    expect(rest).toEqual([noServer(), "2 problems found"]);
  });

  it("names a bubblewrap that cannot run with the fix quire serve gives, and says when the sandbox is off", async () => {
    await writeFile(join(bare, "config.yml"), "sandbox: off\n");
    // A mount namespace of its own where /usr/bin/bwrap is a file that cannot run.
    const fake = join(bare, "bwrap");
    await writeFile(fake, "not a program\n");
    await chmod(fake, 0o644);
    const script = `mount --bind ${fake} /usr/bin/bwrap && exec "$0" "$@"`;
    const doctor = await execa("unshare", ["-m", "sh", "-c", script, process.execPath, QUIRE_BIN, "doctor", "--home", bare], {
      reject: false,
      env: { QUIRE_LOG_LEVEL: "warn" },
    });
    expect(doctor.stderr).toBe("");
    expect(doctor.exitCode).toBe(1);
    const lines = doctor.stdout.split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(noServer());
    expect(lines[1]).toMatch(/^problem: sandbox: off in config\.yml: pipelines run without bubblewrap.*; fix: remove `sandbox: off` from config\.yml once bubblewrap works here$/);
    expect(lines[2]).toMatch(/^problem: no sandbox: bubblewrap \(bwrap\) is not installed; fix: install bubblewrap \(Debian\/Ubuntu: apt-get install bubblewrap\)/);
    expect(lines[3]).toBe("3 problems found");
  });
});
