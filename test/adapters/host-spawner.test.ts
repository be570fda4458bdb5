/**
 * The sandboxed host executor starts most commands through a long-lived shell in the
 * sandbox (adapters/executor/shell-slot.ts) instead of Node's spawn. These cases pin what
 * must not change with that: exact env, literal arguments, closed stdin, exit codes, output
 * kept apart between commands, and background processes that outlive their command.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { OutputSink } from "../../core/ports/exec.ts";
import { execRequest } from "../support/exec-request.ts";
import { useSandboxedSession } from "../support/sandboxed-session.ts";

const sandboxed = useSandboxedSession({ prefix: "quire-spawner-" });
const { run } = sandboxed;

describe("host commands through the sandbox's spawner shell", () => {
  it("starts commands from the shell, not from Node", async () => {
    const parent = await run(["sh", "-c", 'cat "/proc/$PPID/comm"']);
    expect(parent).toMatchObject({ exit: 0, stdout: "sh\n" });
  });

  it("gives the command exactly the job's env plus PATH and HOME (no PWD, no OLDPWD)", async () => {
    const env = await run(["env"], { env: { FOO: "it's \"quoted\" $HOME `x`" } });
    const names = env.stdout.trim().split("\n").map((line) => line.split("=")[0]);
    expect(names.sort()).toEqual(["FOO", "HOME", "PATH"]);
    expect(env.stdout).toContain("FOO=it's \"quoted\" $HOME `x`\n");
    // A name a shell assignment cannot carry still arrives (through spawn).
    const odd = await run(["env"], { env: { "A.B": "1" } });
    expect(odd.stdout).toContain("A.B=1\n");
  });

  it("passes arguments literally and runs programs, not shell builtins, by their names", async () => {
    const args = ["a'b", "$(touch pwned)", "`id`", "line\nbreak", "*", ""];
    const echoed = await run(["printf", "[%s]", ...args]);
    expect(echoed.stdout).toBe(args.map((arg) => `[${arg}]`).join(""));
    expect((await run(["ls"])).stdout).not.toContain("pwned");
    // /usr/bin/echo takes --version; the shell's builtin would print it.
    expect((await run(["echo", "--version"])).stdout).toMatch(/coreutils/i);
    expect(await run(["true"])).toMatchObject({ exit: 0 });
    expect(await run(["false"])).toMatchObject({ exit: 1 });
  });

  it("answers 127 for a missing program and 126 for a file it cannot run", async () => {
    const missing = await run(["no-such-program-quire"]);
    expect(missing).toMatchObject({ exit: 127 });
    expect(missing.stderr).toContain("no-such-program-quire");
    await run(["sh", "-c", "echo data > plain"]);
    expect(await run(["./plain"])).toMatchObject({ exit: 126 });
  });

  it("closes stdin, keeps stdout and stderr apart, and reports a signal as 128 + its number", async () => {
    expect(await run(["cat"])).toMatchObject({ exit: 0, stdout: "" });
    expect(await run(["sh", "-c", "echo out; echo err >&2; exit 3"])).toMatchObject({ exit: 3, stdout: "out\n", stderr: "err\n" });
    expect(await run(["sh", "-c", "kill -TERM $$"])).toMatchObject({ exit: 143 });
  });

  it("gives jobs a private /tmp they can write", async () => {
    expect(await run(["sh", "-c", "echo scratch > /tmp/quire-job && cat /tmp/quire-job"])).toMatchObject({ exit: 0, stdout: "scratch\n" });
    expect((await run(["ls", "-ld", "/tmp"])).stdout).toMatch(/^drwxrwxrwt/);
  });

  it("never lets a command's leftover write into a later command's output", async () => {
    const first = await run(["sh", "-c", "(sleep 0.4; echo late) & echo now"]);
    expect(first.stdout).toBe("now\n");
    const later = [];
    for (let i = 0; i < 5; i++) later.push(await run(["sh", "-c", "sleep 0.1; echo next"]));
    for (const output of later) expect(output.stdout).toBe("next\n");
  });

  it("keeps a background process alive when a later command times out, and recovers when a job kills its shell", async () => {
    await run(["sh", "-c", "sleep 60 >/dev/null 2>&1 & echo $! > bg.pid"]);
    const timedOut = await run(["sleep", "30"], { timeoutMs: 200 });
    expect(timedOut.reason).toBe("timed-out");
    expect(await run(["sh", "-c", 'kill -0 "$(cat bg.pid)" && echo alive'])).toMatchObject({ exit: 0, stdout: "alive\n" });
    const killedShell = await run(["sh", "-c", "kill -9 $PPID; sleep 1"]);
    expect(killedShell.exit).toBeGreaterThanOrEqual(128);
    expect(await run(["sh", "-c", "echo still here"])).toMatchObject({ exit: 0, stdout: "still here\n" });
  });

  it("runs concurrent commands side by side", async () => {
    // Each waits for the others' marks: run one after another, they would time out.
    const wait = 'touch "mark-$0"; while [ "$(ls mark-* | wc -l)" -lt 3 ]; do sleep 0.05; done; echo "$0"';
    const all = await Promise.all([1, 2, 3].map((i) => run(["sh", "-c", wait, String(i)], { timeoutMs: 20_000 })));
    expect(all.map((output) => [output.exit, output.stdout])).toEqual([[0, "1\n"], [0, "2\n"], [0, "3\n"]]);
  });

  it("stops the command when the sink refuses output, and the sink's error reaches the caller", async () => {
    const refusing: OutputSink = { write: async () => Promise.reject(new Error("sink is full")) };
    const started = performance.now();
    await expect(sandboxed.session().exec(execRequest(["sh", "-c", "while :; do echo spam; done"]), refusing)).rejects.toThrow("sink is full");
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(await run(["sh", "-c", "echo after"])).toMatchObject({ exit: 0, stdout: "after\n" });
  });
});
