import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { git, gitEnv } from "../support/git.ts";
import { QUIRE_BIN, tempHome } from "../support/quire-process.ts";

const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});
const scratch = async (prefix: string): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
};

async function checkout(pipeline: string): Promise<string> {
  const dir = await scratch("quire-ci-");
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
    made.push(home);
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
    const result = await cli(await scratch("quire-nogit-"), ["ci", "run"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/not inside a git checkout/);
  });

  it("run takes the working tree — staged, unstaged and untracked files, not ignored ones — and --committed takes HEAD", async () => {
    const dir = await checkout(`import { job } from "quire/ci";
job("committed", ["quire/push"], async ({ sh }) => { await sh("cat tracked.txt"); });
`);
    await writeFile(join(dir, ".gitignore"), "ignored.txt\n");
    await writeFile(join(dir, "tracked.txt"), "tracked as committed\n");
    await git(dir, ["add", "."]);
    await git(dir, ["commit", "--quiet", "-m", "files"]);
    const head = (await git(dir, ["rev-parse", "HEAD"])).trim();
    await writeFile(join(dir, ".quire", "ci.ts"), `import { job } from "quire/ci";
job("worktree", ["quire/push"], async ({ sh }) => { await sh("cat tracked.txt staged.txt untracked.txt; test ! -e ignored.txt"); });
`);
    await writeFile(join(dir, "tracked.txt"), "tracked, edited\n");
    await writeFile(join(dir, "staged.txt"), "staged only\n");
    await git(dir, ["add", "staged.txt"]);
    await writeFile(join(dir, "untracked.txt"), "never added\n");
    await writeFile(join(dir, "ignored.txt"), "ignored\n");
    const status = await git(dir, ["status", "--porcelain"]);
    const home = await tempHome();
    made.push(home);

    const tree = await cli(dir, ["ci", "run", "--home", home]);
    expect(tree.stdout).toContain(`of the working tree (uncommitted changes on ${head.slice(0, 12)}; snapshot `);
    expect(tree.stdout).toMatch(/✓ worktree/);
    for (const line of ["tracked, edited", "staged only", "never added"]) expect(tree.stdout).toContain(`│ ${line}`);
    expect(tree.exitCode).toBe(0);
    // The user's index and files are as they were: only a scratch index saw the snapshot.
    expect(await git(dir, ["status", "--porcelain"])).toBe(status);

    const committed = await cli(dir, ["ci", "run", "--committed", "--home", home]);
    expect(committed.stdout).toContain(`of commit ${head.slice(0, 12)} on refs/heads/main`);
    expect(committed.stdout).toMatch(/✓ committed/);
    expect(committed.stdout).toContain("│ tracked as committed");
    expect(committed.exitCode).toBe(0);

    const validated = await cli(dir, ["ci", "validate", "--home", home]);
    expect(validated.stdout).toMatch(/working tree.*: 1 job\(s\), in order:\n {2}worktree ← quire\/push/);
  });

  it("run works before the first commit: the working tree on the branch about to be born", async () => {
    const dir = await scratch("quire-unborn-");
    await git(dir, ["init", "--quiet", "--initial-branch=trunk"]);
    await mkdir(join(dir, ".quire"));
    await writeFile(join(dir, ".quire", "ci.ts"), `import { job } from "quire/ci";\njob("first", ["quire/push"], async ({ sh }) => { await sh("cat notes.txt"); });\n`);
    await writeFile(join(dir, "notes.txt"), "not committed yet\n");
    const home = await tempHome();
    made.push(home);
    const result = await cli(dir, ["ci", "run", "--home", home]);
    expect(result.stdout).toMatch(/of the working tree \(no commit yet; snapshot [0-9a-f]{12}\) on refs\/heads\/trunk/);
    expect(result.stdout).toContain("│ not committed yet");
    expect(result.exitCode).toBe(0);
    expect(await git(dir, ["status", "--porcelain"])).toBe("?? .quire/\n?? notes.txt");
  });

  it("run --sha records the ref the rev names, and a sha as detached", async () => {
    const dir = await checkout(`import { job } from "quire/ci";
job("where", ["quire/push"], async ({ sh, jobs }) => { const push = jobs("quire/push"); await sh(["echo", "ref=" + push.ref + " branch=" + String(push.branch)]); });
`);
    await git(dir, ["checkout", "--quiet", "-b", "feature/red"]);
    await writeFile(join(dir, "red.txt"), "red\n");
    await git(dir, ["add", "."]);
    await git(dir, ["commit", "--quiet", "-m", "red"]);
    const red = (await git(dir, ["rev-parse", "HEAD"])).trim();
    await git(dir, ["checkout", "--quiet", "-b", "silent", "main"]);
    const home = await tempHome();
    made.push(home);

    const named = await cli(dir, ["ci", "run", "--sha", "feature/red", "--home", home]);
    expect(named.stdout).toContain(`of commit ${red.slice(0, 12)} on refs/heads/feature/red`);
    expect(named.stdout).toContain("│ ref=refs/heads/feature/red branch=feature/red");
    expect(named.exitCode).toBe(0);
    const repoDir = join(home, "runs", "local", (await readdir(join(home, "runs", "local")))[0] ?? "");
    const [runId] = await readdir(join(repoDir, "complete"));
    expect(await readFile(join(repoDir, "complete", runId ?? "", "meta.yml"), "utf8")).toMatch(/^ref: refs\/heads\/feature\/red$/m);

    const bySha = await cli(dir, ["ci", "run", "--sha", red, "--home", home]);
    expect(bySha.stdout).toContain(`│ ref=${red} branch=null`);
    expect(bySha.exitCode).toBe(0);

    const unknown = await cli(dir, ["ci", "run", "--sha", "no-such-branch", "--home", home]);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/no-such-branch is not a commit/);
    const both = await cli(dir, ["ci", "run", "--committed", "--sha", "main", "--home", home]);
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toMatch(/--committed and --sha/);
    expect(await readdir(join(repoDir, "complete"))).toHaveLength(2);
  });

  it("validate evaluates the pipeline inside the server's bubblewrap sandbox, and bare only with sandbox: off", async () => {
    // The sandbox sets its own hostname: the pipeline names its job after where it was evaluated.
    const dir = await checkout(`import { hostname } from "node:os";
import { job } from "quire/ci";
job(hostname() === "quire-sandbox" ? "in-sandbox" : "bare", ["quire/push"], async () => ({}));
`);
    const home = await tempHome();
    made.push(home);
    const sandboxed = await cli(dir, ["ci", "validate", "--home", home]);
    expect(sandboxed.stdout).toMatch(/in-sandbox ← quire\/push/);
    expect(sandboxed.exitCode).toBe(0);
    await writeFile(join(home, "config.yml"), "sandbox: off\n");
    const bare = await cli(dir, ["ci", "validate", "--home", home]);
    expect(bare.stdout).toMatch(/bare ← quire\/push/);
    expect(bare.stderr).toMatch(/sandbox: off in config.yml/);
  });
});
