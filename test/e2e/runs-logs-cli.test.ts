import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { logLine } from "../../adapters/logger/log-line.ts";
import { git, gitEnv } from "../support/git.ts";
import { QUIRE_BIN, quire, tempHome } from "../support/quire-process.ts";
import { waitForRun } from "../support/runs-api.ts";
import { tempDir } from "../support/temp-dir.ts";
import { useServedRepo } from "../support/use-served-repo.ts";

const served = useServedRepo();
const run = served.cli;

/** Pushes the pipeline to `branch` and waits until its run has ended. */
async function push(branch: string, pipeline: string): Promise<string> {
  const id = await served.pushPipeline(branch, pipeline);
  await waitForRun(served.server, id, undefined, 120_000);
  return id;
}

describe("quire runs logs tells what ran", () => {
  it("prints each command with its exit code, log() messages in place, how each job ended, and exits 1 for a failed run", async () => {
    await push("mixed", `import { job } from "quire/ci";
job("build", ["quire/push"], async ({ sh, log }) => {
  await log("before anything");
  await sh("echo one; echo oops >&2");
  await log("between the two");
  await sh(["echo", "two"]);
  await log("after both");
});
job("test", ["build"], async ({ sh }) => { await sh("echo testing; exit 3"); });
job("deploy", ["test"], async ({ sh }) => { await sh("echo never"); });
`);
    const logs = await run("runs", "logs", "demo.git@mixed");
    expect(logs.code).toBe(1);
    expect(logs.stdout.trimEnd().split("\n")).toEqual([
      "[build] log: before anything",
      "[build] $ echo one; echo oops >&2  (exit 0)",
      "[build] one",
      "[build] oops",
      "[build] log: between the two",
      "[build] $ echo two  (exit 0)",
      "[build] two",
      "[build] log: after both",
      expect.stringMatching(/^\[build\] succeeded in \d+\.\d s$/),
      "[test] $ echo testing; exit 3  (exit 3)",
      "[test] testing",
      expect.stringMatching(/^\[test\] failed in \d+\.\d s: sh "echo testing; exit 3" exited with 3 \(at \.quire\/ci\.ts:9:/),
      '[deploy] skipped: input "test" did not succeed',
      expect.stringMatching(/^run failed: job "test" failed: sh "echo testing; exit 3" exited with 3/),
    ]);
    // One job: the exit status is that job's.
    const build = await run("runs", "logs", "demo.git@mixed", "--job", "build");
    expect(build.code).toBe(0);
    expect(build.stdout).not.toMatch(/\[test\]/);
    expect((await run("runs", "logs", "demo.git@mixed", "--job", "test")).code).toBe(1);
  });

  it("exits 0 for a run that succeeded, and prints the load error of a pipeline that never started", async () => {
    await push("green", `import { job } from "quire/ci";
job("ok", ["quire/push"], async ({ sh }) => { await sh("true"); });
`);
    const green = await run("runs", "logs", "demo.git@green");
    expect(green).toMatchObject({ code: 0, stderr: "" });
    expect(green.stdout).toMatch(/^\[ok\] \$ true {2}\(exit 0\)\n\[ok\] succeeded in \d+\.\d s\nrun succeeded$/);

    await push("broken", `import { job } from "quire/ci";
throw new Error("no pipeline today");
`);
    const broken = await run("runs", "logs", "demo.git@broken");
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^run errored: pipeline \.quire\/ci\.ts did not load: no pipeline today/);
  });
});

describe("the CLI's manners", () => {
  it("prints its version with --version and -V", async () => {
    const { version } = JSON.parse(await readFile(join(import.meta.dirname, "..", "..", "package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-V"]) {
      const result = await quire([flag]);
      expect({ code: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) }).toEqual({ code: 0, stdout: version, stderr: "" });
    }
  });

  it("stops quietly when the reader of its output goes away", async () => {
    // `true` exits without reading, so quire writes into a closed pipe.
    const script = `"${process.execPath}" "${QUIRE_BIN}" runs show demo.git@mixed --home "${served.home}" | true; echo "quire exited $\{PIPESTATUS[0]}" >&2`;
    const piped = await execa("bash", ["-c", script], { reject: false, env: { QUIRE_LOG_LEVEL: "warn" } });
    expect(piped.stderr).toBe("quire exited 0");
    // And with a reader that takes one line and leaves, as `| head -1` does.
    const head = await execa("bash", ["-c", `"${process.execPath}" "${QUIRE_BIN}" runs logs demo.git@mixed --home "${served.home}" | head -1`], { reject: false });
    expect({ stdout: head.stdout, stderr: head.stderr }).toEqual({ stdout: "[build] log: before anything", stderr: "" });
  });

  it("writes readable log lines for people, and JSON lines from the server", async () => {
    const dir = await tempDir("quire-ci-");
    await git(dir, ["init", "--quiet", "--initial-branch=main"]);
    await mkdir(join(dir, ".quire"));
    await writeFile(join(dir, ".quire", "ci.ts"), `import { job } from "quire/ci";\njob("a", ["quire/push"], async ({ sh }) => { await sh("exit 2"); });\n`);
    await git(dir, ["add", "."]);
    await git(dir, ["commit", "--quiet", "-m", "pipeline"]);
    const ciRun = await execa(process.execPath, [QUIRE_BIN, "ci", "run", "--home", await tempHome()], {
      cwd: dir,
      reject: false,
      env: { ...gitEnv, QUIRE_LOG_LEVEL: "info" },
    });
    expect(ciRun.exitCode).toBe(1);
    const lines = String(ciRun.stderr).split("\n").filter(Boolean);
    expect(lines).toContainEqual(expect.stringMatching(/^quire: info: run finished \(run_id=[0-9a-f-]{36}, outcome=failed\)$/));
    for (const line of [...lines, ...String(ciRun.stdout).split("\n")]) expect(line).not.toMatch(/^\s*\{"level"/);

    // The server's own logs stay JSON, for journald and log collectors (serve --help says so).
    expect(String((await quire(["serve", "--help"])).stdout)).toMatch(/JSON/);
  });

  it("formats one pino entry as one line without a stack", () => {
    const err = { type: "Error", message: "disk full", stack: "Error: disk full\n    at x (y.ts:1:1)" };
    expect(logLine(JSON.stringify({ level: 50, time: 1, pid: 9, msg: "could not write\nthe index", err, repo: "a b.git", n: 3 }))).toBe(
      'quire: error: could not write the index (err="disk full", repo="a b.git", n=3)\n',
    );
    expect(logLine("not json")).toBe("not json\n");
  });
});
