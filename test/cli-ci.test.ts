import { mkdtemp, mkdir, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { git, gitEnv } from "./support/git.ts";
import { QUIRE_BIN, tempHome } from "./support/quire-process.ts";

async function checkout(pipeline: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "quire-ci-"));
  await git(dir, ["init", "--quiet", "--initial-branch=main"]);
  await mkdir(join(dir, ".quire"));
  await writeFile(join(dir, ".quire", "ci.ts"), pipeline);
  await git(dir, ["add", "."]);
  await git(dir, ["commit", "--quiet", "-m", "pipeline"]);
  return dir;
}

const cli = (cwd: string, args: string[]) =>
  execa(process.execPath, [QUIRE_BIN, ...args], { cwd, reject: false, env: { ...gitEnv, QUIRE_LOG_LEVEL: "warn" } });

describe("quire ci", () => {
  it("run streams each job and exits 0 when the run succeeds, recording it in the home", async () => {
    const dir = await checkout(`import { job } from "quire/ci";
job("hello", ["quire/push"], async ({ sh, jobs }) => { await sh(["echo", "hi from " + jobs("quire/push").branch]); return {}; });
`);
    const home = await tempHome();
    const result = await cli(dir, ["ci", "run", "--home", home]);
    expect(result.stdout).toMatch(/▶ hello\n {2}\$ echo 'hi from main'\n {2}│ hi from main\n✓ hello/);
    expect(result.stdout).toMatch(/run succeeded/);
    expect(result.exitCode).toBe(0);
    const repoDir = join(home, "runs", "local");
    const [repo] = await readdir(repoDir);
    expect(await readdir(join(repoDir, repo ?? "", "complete"))).toHaveLength(1);
  });

  it("run exits non-zero and shows the failure and the skipped dependents", async () => {
    const dir = await checkout(`import { job } from "quire/ci";
job("test", ["quire/push"], async ({ sh }) => { await sh("exit 5"); });
job("deploy", ["test"], async () => ({}));
`);
    const result = await cli(dir, ["ci", "run", "--home", await tempHome()]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/✗ test .*exited with 5/);
    expect(result.stdout).toMatch(/- deploy skipped: input "test" did not succeed/);
  });

  it("validate reports the job order, or the problems naming the jobs", async () => {
    const good = await checkout(`import { job } from "quire/ci";\njob("a", ["quire/push"], async () => ({}));\njob("b", ["a"], async () => ({}));\n`);
    const ok = await cli(good, ["ci", "validate"]);
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toMatch(/2 job\(s\), in order:\n {2}a ← quire\/push\n {2}b ← a/);
    await writeFile(join(good, ".quire", "ci.ts"), `import { job } from "quire/ci";\njob("a", ["ghost"], async () => ({}));\n`);
    const bad = await cli(good, ["ci", "validate"]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/job "a" has unknown input "ghost"/);
    const committed = await cli(good, ["ci", "validate", "--sha", "HEAD"]);
    expect(committed.exitCode).toBe(0);
  });

  it("outside a checkout it says so and exits 2", async () => {
    const result = await cli(await mkdtemp(join(tmpdir(), "quire-nogit-")), ["ci", "run"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/not inside a git checkout/);
  });
});
