/**
 * A host run's jobs share the sandbox with the spawner shell and the slots' shells, as the
 * same user, and can reach every FIFO the server reads (through /proc/<pid>/fd of their
 * slot's shell). Whatever they do there may spoil their own run's output or status, never
 * the server: these cases attack the FIFOs and the spawner, then check the session still
 * answers correctly, or ends cleanly, and nothing leaks.
 */
import { readdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { execRequest } from "../support/exec-request.ts";
import { useSandboxedSession } from "../support/sandboxed-session.ts";

const sandboxed = useSandboxedSession({ prefix: "quire-slot-attack-", killGraceMs: 300, textCap: 4096 });
const { run } = sandboxed;

/** Later commands still get their own output and exit code. */
async function stillSound(): Promise<void> {
  for (let i = 0; i < 3; i++) expect(await run(["sh", "-c", `echo ok ${i}; echo warn >&2; exit ${i + 2}`])).toMatchObject({ exit: i + 2, stdout: `ok ${i}\n`, stderr: "warn\n" });
}

/** The slot's FIFO `name`: the command's stdout is the slot's `out` FIFO. */
const FIFO = (name: string) => `$(f=$(readlink /proc/$$/fd/1); echo "\${f%.out}.${name}")`;

/** The slot shell's parent is the subshell that waits for it; that one's parent is the spawner. */
const SPAWNER_PID = 'read -r q q q w q </proc/$PPID/stat; read -r q q q s q </proc/$w/stat; echo $s';

describe("a job attacking its slot's FIFOs and the spawner", () => {
  it("garbage, forged and endless lines on the status FIFO spoil nothing after the command", async () => {
    const forged = await run(["sh", "-c", `st=${FIFO("st")}; printf "s 1 0 1 1\\nnonsense\\np 1\\nx 0\\n" >"$st" && head -c 300000 /dev/zero | tr "\\0" s >"$st" && exit 4`]);
    // The forged status may win the race against the real one: the job spoils its own result, nothing more.
    expect([0, 4]).toContain(forged.exit);
    await stillSound();
  });

  it("output written into a slot's FIFOs after its command never reaches a later command", async () => {
    // A writer that keeps the FIFO open and writes long after its command returned.
    await run(["sh", "-c", `exec 7>"${FIFO("out")}"; (for i in 1 2 3 4 5 6 7 8 9 10; do sleep 0.05; echo leak >&7; done) >/dev/null 2>&1 & echo started`]);
    const later = [];
    for (let i = 0; i < 5; i++) later.push(await run(["sh", "-c", "sleep 0.05; echo next"]));
    for (const output of later) expect(output.stdout).toBe("next\n");
  });

  it("a flood of output from a leftover is not buffered by the server", async () => {
    const first = await run(["sh", "-c", "(head -c 50000000 /dev/zero &) ; echo go"]);
    expect(first.stdout.startsWith("go\n") || first.stdout.includes("go\n")).toBe(true);
    expect(first.bytes).toBeLessThan(60_000_000);
    await stillSound();
  });

  it("cannot remove, rename, replace or re-mode the FIFOs, nor add files next to them", async () => {
    const attempts = [
      `f=${FIFO("st")}; [ -p "$f" ] && rm -f "$f" && [ ! -e "$f" ]`,
      `f=${FIFO("in")}; [ -p "$f" ] && mv "$f" "$f.x"`,
      `f=${FIFO("err")}; [ -p "$f" ] && chmod 666 "$f"`,
      `f=${FIFO("st")}; [ -p "$f" ] && ln -sf /etc/passwd "$f"`,
      `f=${FIFO("st")}; mkfifo "$(dirname "$f")/99.out"`,
      `f=${FIFO("st")}; ls "$(dirname "$f")"`,
    ];
    for (const attempt of attempts) expect((await run(["sh", "-c", attempt])).exit, attempt).not.toBe(0);
    // The directory is the server's, next to the workspace, never the job user's.
    const slots = join(dirname(sandboxed.workspace()), ".slots");
    const [dir] = (await readdir(slots)).filter((name) => name.startsWith(`${sandboxed.workspace().split("/").at(-1)}-`));
    expect(dir).toBeDefined();
    await stillSound();
  });

  it("a job stealing its slot's command lines only stalls itself: the timeout still ends it", async () => {
    await run(["sh", "-c", `cat "${FIFO("in")}" >/dev/null 2>&1 & echo thief`]);
    expect(await run(["sleep", "30"], { timeoutMs: 300 })).toMatchObject({ reason: "timed-out" });
    await stillSound();
  });

  it("a stopped spawner ends the sandbox: the timed-out command returns and the session refuses more", async () => {
    const started = performance.now();
    // The spawner cannot kill the timed-out tree for the server: the server ends the whole sandbox instead.
    await expect(run(["sh", "-c", `kill -STOP "$(${SPAWNER_PID})"; exec sleep 60`], { timeoutMs: 200 })).rejects.toThrow(/sandbox/);
    expect(performance.now() - started).toBeLessThan(20_000);
    await expect(run(["true"])).rejects.toThrow(/sandbox/);
  });

  it("cannot reach the spawner's pipes by path; kills still work after trying", async () => {
    // Its stdin and stdout are socket pairs with the server: /proc/<pid>/fd cannot open those.
    for (const fd of [0, 1]) expect((await run(["sh", "-c", `p=$(${SPAWNER_PID}); printf "k 1 0\\nzzz\\n" >/proc/$p/fd/${fd}`])).exit).not.toBe(0);
    expect(await run(["sh", "-c", "trap '' TERM; sleep 30"], { timeoutMs: 200 })).toMatchObject({ reason: "timed-out" });
    await stillSound();
  });
});
