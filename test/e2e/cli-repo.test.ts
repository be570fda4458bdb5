import { access, constants, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { git } from "../support/git.ts";
import { quire, tempHome } from "../support/quire-process.ts";

describe("quire repo", () => {
  it("new: creates a bare repo on main with the post-receive hook that knows its home and name", async () => {
    const home = await tempHome();
    const result = await quire(["repo", "new", "demo.git", "--home", home]);
    expect(result.exitCode).toBe(0);
    const gitDir = join(home, "repos", "demo.git");
    expect(result.stdout).toBe(`created demo.git\n  push to: ${gitDir}`);
    expect(await git(gitDir, ["rev-parse", "--is-bare-repository"])).toBe("true");
    expect(await git(gitDir, ["symbolic-ref", "HEAD"])).toBe("refs/heads/main");
    const hook = join(gitDir, "hooks", "post-receive");
    await access(hook, constants.X_OK);
    const script = await readFile(hook, "utf8");
    expect(script.startsWith("#!/bin/sh\n")).toBe(true);
    expect(script).toContain(`__quire_home='${home}'\n__quire_repo='demo.git'\n`);
    expect(script).toContain(`hook post-receive --home "$__quire_home" --repo "$__quire_repo"`);
  });

  it("new: takes one level of grouping, and QUIRE_HOME instead of --home", async () => {
    const home = await tempHome();
    const result = await quire(["repo", "new", "team/app.git"], { env: { QUIRE_HOME: home } });
    expect(result.exitCode).toBe(0);
    expect((await stat(join(home, "repos", "team", "app.git", "HEAD"))).isFile()).toBe(true);
  });

  it("new: refuses an existing repo with exit 1 and leaves it as it was", async () => {
    const home = await tempHome();
    await quire(["repo", "new", "demo.git", "--home", home]);
    const hook = await readFile(join(home, "repos", "demo.git", "hooks", "post-receive"), "utf8");
    const again = await quire(["repo", "new", "demo.git", "--home", home]);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toBe(`quire: demo.git already exists at ${join(home, "repos", "demo.git")}`);
    expect(await readFile(join(home, "repos", "demo.git", "hooks", "post-receive"), "utf8")).toBe(hook);
  });

  it.each(["../x.git", "a/b/c.git", "foo", "/abs.git", "..%2fx.git", "a\\b.git", ".git"])(
    "new: refuses the name %j with exit 2 and creates nothing",
    async (name) => {
      const home = await tempHome();
      const result = await quire(["repo", "new", name, "--home", home]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toMatch(/^quire: repo name ".*": /);
      expect(result.stdout).toBe("");
      expect(await readdir(home)).toEqual([]);
    },
  );

  it("list: names every bare repo, grouped ones included, sorted", async () => {
    const home = await tempHome();
    expect((await quire(["repo", "list", "--home", home])).stdout).toBe("");
    for (const name of ["zeta.git", "team/app.git", "alpha.git"]) await quire(["repo", "new", name, "--home", home]);
    const listed = await quire(["repo", "list", "--home", home]);
    expect(listed.exitCode).toBe(0);
    const where = (name: string) => join(home, "repos", name);
    expect(listed.stdout.split("\n")).toEqual([
      `alpha.git     ${where("alpha.git")}  hook ok`,
      `team/app.git  ${where("team/app.git")}  hook ok`,
      `zeta.git      ${where("zeta.git")}  hook ok`,
    ]);
  });
});
