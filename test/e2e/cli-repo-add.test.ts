import { chmod, mkdir, readdir, readFile, readlink, rm, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { git, gitEnv } from "../support/git.ts";
import { quire, tempHome } from "../support/quire-process.ts";
import { tempDir } from "../support/temp-dir.ts";

const made: string[] = [];
afterEach(async () => {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function scratch(): Promise<{ home: string; srv: string }> {
  const home = await tempHome();
  const srv = await tempDir("quire-srv-");
  made.push(home, srv);
  return { home, srv };
}

async function bare(path: string): Promise<string> {
  await mkdir(path, { recursive: true });
  await execa("git", ["init", "--quiet", "--bare", "--initial-branch=main", path]);
  return path;
}

async function writeHook(path: string, text: string): Promise<void> {
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, text);
  await chmod(path, 0o755);
}

const OLD = "0".repeat(40);
const NEW = "a".repeat(40);

describe("quire repo add --scan", () => {
  it("registers every bare repo under a directory, a grouped one and one with core.hooksPath included", async () => {
    const { home, srv } = await scratch();
    await bare(join(srv, "alpha.git"));
    await bare(join(srv, "beta"));
    await bare(join(srv, "team", "app.git"));
    const hooked = await bare(join(srv, "hooked.git"));
    await git(hooked, ["config", "core.hooksPath", "custom-hooks"]);
    const custom = "#!/bin/sh\necho custom hook ran\n";
    await writeHook(join(hooked, "custom-hooks", "post-receive"), custom);
    await bare(join(srv, "gitolite-admin.git"));

    const scanned = await quire(["repo", "add", "--scan", srv, "--home", home]);
    expect(scanned.stderr).toBe("");
    expect(scanned.exitCode).toBe(0);
    expect(scanned.stdout.split("\n").filter((line) => !line.startsWith("  "))).toEqual([
      `added alpha.git at ${join(srv, "alpha.git")}`,
      `added beta.git at ${join(srv, "beta")}`,
      "skipped gitolite-admin.git: gitolite's admin repo (add it by hand if it should have CI)",
      `added hooked.git at ${hooked}`,
      `added team/app.git at ${join(srv, "team", "app.git")}`,
    ]);
    const listed = await quire(["repo", "list", "--home", home]);
    expect(listed.stdout.split("\n").map((line) => line.split(/\s+/))).toEqual([
      ["alpha.git", join(srv, "alpha.git"), "hook", "ok"],
      ["beta.git", join(srv, "beta"), "hook", "ok"],
      ["hooked.git", hooked, "hook", "ok"],
      ["team/app.git", join(srv, "team", "app.git"), "hook", "ok"],
    ]);
    // With core.hooksPath the hook goes where git looks, next to the one that was there.
    expect(await readFile(join(hooked, "custom-hooks", "post-receive.before-quire"), "utf8")).toBe(custom);
    expect(await readdir(join(hooked, "hooks"))).not.toContain("post-receive");

    // A push runs both: the custom hook, then quire's (no server here, which it says).
    const clone = join(srv, "clone");
    await execa("git", ["clone", "--quiet", hooked, clone], { env: gitEnv });
    await git(clone, ["commit", "--quiet", "--allow-empty", "-m", "x"]);
    const push = await execa("git", ["push", "origin", "HEAD:main"], { cwd: clone, env: gitEnv });
    expect(push.stderr).toContain("remote: custom hook ran");
    expect(push.stderr).toContain(`remote: quire: no server is running for ${home}`);

    const again = await quire(["repo", "add", "--scan", srv, "--home", home]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain("already registered: team/app.git");
    await quire(["repo", "remove", "hooked.git", "--home", home]);
    expect(await readFile(join(hooked, "custom-hooks", "post-receive"), "utf8")).toBe(custom);
    expect(await readdir(join(hooked, "custom-hooks"))).toEqual(["post-receive"]);
  });

  it("skips what quire cannot name, says why, and exits 1", async () => {
    const { home, srv } = await scratch();
    await bare(join(srv, "a", "b", "deep.git"));
    const scanned = await quire(["repo", "add", "--scan", srv, "--home", home]);
    expect(scanned.exitCode).toBe(1);
    expect(scanned.stderr).toMatch(/skipped .*deep\.git: repo name "a\/b\/deep\.git": allows at most one level of grouping.*--name/);
  });
});

describe("quire repo add: hooks that coexist", () => {
  it("the previous hook gets the same stdin and environment, and its exit status is the hook's", async () => {
    const { home, srv } = await scratch();
    const repo = await bare(join(srv, "mail.git"));
    const out = join(srv, "out");
    await mkdir(out);
    const previous = `#!/bin/sh\ncat > "$OUT/stdin"\nenv | sort > "$OUT/env"\nexit 3\n`;
    const hook = join(repo, "hooks", "post-receive");
    await writeHook(hook, previous);
    const input = `${OLD} ${NEW} refs/heads/main\n${NEW} ${OLD} refs/heads/gone\n`;
    const env = { PATH: process.env.PATH ?? "", OUT: out, GIT_DIR: ".", GIT_PUSH_OPTION_COUNT: "1", GIT_PUSH_OPTION_0: "ci.skip" };
    const runHook = () => execa(hook, [], { cwd: repo, env, extendEnv: false, input, reject: false });

    const before = await runHook();
    const seen = { stdin: await readFile(join(out, "stdin"), "utf8"), env: await readFile(join(out, "env"), "utf8") };
    const added = await quire(["repo", "add", repo, "--home", home]);
    expect(added.exitCode).toBe(0);
    await rm(join(out, "stdin"));
    const after = await runHook();
    expect(after.exitCode).toBe(before.exitCode);
    expect(after.exitCode).toBe(3);
    expect(await readFile(join(out, "stdin"), "utf8")).toBe(seen.stdin);
    expect(seen.stdin).toBe(input);
    expect(await readFile(join(out, "env"), "utf8")).toBe(seen.env);
    expect(after.stderr).toMatch(new RegExp(`^quire: no server is running for ${home}; push queued for when quire is back \\(${home}/spool/[0-9a-f-]{36}\\.json\\)$`));
  });

  it("a post-receive.d/ layout gets a drop-in; the dispatcher is untouched, and remove takes the drop-in out", async () => {
    const { home, srv } = await scratch();
    const repo = await bare(join(srv, "dispatch.git"));
    const dispatcher = '#!/bin/sh\nfor h in "$0".d/*; do "$h"; done\n';
    await writeHook(join(repo, "hooks", "post-receive"), dispatcher);
    await mkdir(join(repo, "hooks", "post-receive.d"));
    const added = await quire(["repo", "add", repo, "--name", "ops/dispatch.git", "--home", home]);
    expect(added.stdout).toContain("added to the post-receive.d/ directory; the dispatcher is untouched");
    expect(await readFile(join(repo, "hooks", "post-receive.d", "quire"), "utf8")).toContain("__quire_repo='ops/dispatch.git'");
    expect(await readFile(join(repo, "hooks", "post-receive"), "utf8")).toBe(dispatcher);
    expect((await quire(["repo", "remove", "ops/dispatch.git", "--home", home])).exitCode).toBe(0);
    expect(await readdir(join(repo, "hooks", "post-receive.d"))).toEqual([]);
  });

  it("a gitolite-style linked hook: kept as a link; after gitolite re-links it, hooks refresh brings quire's back", async () => {
    const { home, srv } = await scratch();
    const repo = await bare(join(srv, "repositories", "site.git"));
    const common = join(srv, "common-post-receive");
    await writeHook(common, "#!/bin/sh\necho gitolite common hook\n");
    const hook = join(repo, "hooks", "post-receive");
    await symlink(common, hook);
    expect((await quire(["repo", "add", "--scan", join(srv, "repositories"), "--home", home])).exitCode).toBe(0);
    expect(await readlink(`${hook}.before-quire`)).toBe(common);
    // What `gitolite setup` does: link the common hooks again, over quire's.
    await rm(hook);
    await symlink(common, hook);
    const doctor = await quire(["doctor", "--home", home]);
    expect(doctor.stdout).toContain(`problem: repo site.git: ${hook} was put back to the hook quire runs first (e.g. by gitolite setup); fix: quire hooks refresh --home ${home}`);
    expect((await quire(["hooks", "refresh", "--home", home])).stdout).toMatch(/^reinstalled site\.git/m);
    expect(await readFile(hook, "utf8")).toContain("__quire_repo='site.git'");
    expect((await quire(["repo", "remove", "site.git", "--home", home])).exitCode).toBe(0);
    expect(await readlink(hook)).toBe(common);
  });

  it("remove leaves a hook that someone replaced since, and says so", async () => {
    const { home, srv } = await scratch();
    const repo = await bare(join(srv, "x.git"));
    await writeHook(join(repo, "hooks", "post-receive"), "#!/bin/sh\necho mine\n");
    await quire(["repo", "add", repo, "--home", home]);
    await writeFile(join(repo, "hooks", "post-receive"), "#!/bin/sh\necho someone else's\n");
    const removed = await quire(["repo", "remove", "x.git", "--home", home]);
    expect(removed.exitCode).toBe(1);
    expect(removed.stderr).toContain("is no longer quire's hook; left it");
    expect(await readFile(join(repo, "hooks", "post-receive"), "utf8")).toBe("#!/bin/sh\necho someone else's\n");
    expect((await quire(["repo", "list", "--home", home])).stdout).toContain("x.git");
  });
});

describe("quire repo add refuses, and changes nothing", () => {
  it.each([
    ["a missing path", async (srv: string) => join(srv, "nope.git"), [], /nope\.git: no such directory/],
    ["a checkout with a working tree", async (srv: string) => (await execa("git", ["init", "-q", join(srv, "wt")]), join(srv, "wt")), [], /is not a bare repository/],
    ["a bad --name", async (srv: string) => bare(join(srv, "ok.git")), ["--name", "../x.git"], /repo name "\.\.\/x\.git"/],
  ])("%s", async (_, make, extra, message) => {
    const { home, srv } = await scratch();
    const path = await make(srv);
    const result = await quire(["repo", "add", path, ...extra, "--home", home]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(await stat(join(home, "repos.json")).catch(() => "absent")).toBe("absent");
  });

  it("a name or a path registered already", async () => {
    const { home, srv } = await scratch();
    const one = await bare(join(srv, "one.git"));
    const other = await bare(join(srv, "other", "one.git"));
    await quire(["repo", "add", one, "--home", home]);
    const registry = await readFile(join(home, "repos.json"), "utf8");
    const sameName = await quire(["repo", "add", other, "--home", home]);
    expect(sameName.stderr).toBe(`quire: one.git is already registered (at ${one})`);
    const samePath = await quire(["repo", "add", one, "--name", "two.git", "--home", home]);
    expect(samePath.stderr).toBe(`quire: ${one} is already registered as one.git`);
    expect(await readFile(join(home, "repos.json"), "utf8")).toBe(registry);
    expect(await readdir(join(other, "hooks"))).not.toContain("post-receive");
  });

  it("a path and --scan together, or neither, is a usage error", async () => {
    const { home, srv } = await scratch();
    expect((await quire(["repo", "add", "--home", home])).exitCode).toBe(2);
    const both = await quire(["repo", "add", srv, "--scan", srv, "--home", home]);
    expect([both.exitCode, both.stderr]).toEqual([2, "quire: give either a path or --scan <dir> (see quire repo add --help)"]);
  });

  it("remove names what it cannot remove", async () => {
    const { home } = await scratch();
    await quire(["repo", "new", "own.git", "--home", home]);
    const own = await quire(["repo", "remove", "own.git", "--home", home]);
    expect(own.stderr).toBe(`quire: own.git was made by quire repo new and lives in ${join(home, "repos")}; delete ${join(home, "repos", "own.git")} to remove it`);
    const unknown = await quire(["repo", "remove", "ghost.git", "--home", home]);
    expect([unknown.exitCode, unknown.stderr]).toEqual([1, "quire: no registered repo named ghost.git (see quire repo list)"]);
  });
});
