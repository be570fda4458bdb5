import { spawn } from "node:child_process";
import { mkdir, readdir, realpath, stat, symlink } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HostExecutor } from "../../adapters/executor/host-executor.ts";
import { forkMark, killTree, pidWindow, treeMembers } from "../../adapters/executor/process-tree.ts";
import { ProcessRegistry } from "../../adapters/process/process-registry.ts";
import type { ExecSession, OutputSink, StreamName } from "../../core/ports/exec.ts";
import type { RepoName } from "../../core/types.ts";
import { pidAlive } from "../support/runs-api.ts";
import { execRequest } from "../support/exec-request.ts";
import { tempDir } from "../support/temp-dir.ts";

/** Collects output and lets a test wait for a line, instead of sleeping. */
class CollectingSink implements OutputSink {
  readonly text: Record<StreamName, string> = { stdout: "", stderr: "" };
  bytes = 0;
  private waiters: Array<() => void> = [];
  private readonly decoder = new TextDecoder();

  async write(stream: StreamName, chunk: Uint8Array): Promise<void> {
    this.bytes += chunk.byteLength;
    this.text[stream] += this.decoder.decode(chunk, { stream: true });
    for (const wake of this.waiters.splice(0)) wake();
  }

  async firstLine(stream: StreamName = "stdout"): Promise<string> {
    while (!this.text[stream].includes("\n")) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.text[stream].split("\n")[0] ?? "";
  }
}

let workspace: string;
let session: ExecSession;
const tracked = new Set<number>();

const request = execRequest;

beforeEach(async () => {
  workspace = await realpath(await tempDir("quire-ws-"));
  const processes = { started: async (pgid: number) => void tracked.add(pgid), ended: async (pgid: number) => void tracked.delete(pgid) };
  const opened = await new HostExecutor({ killGraceMs: 300 }).open({ runId: "r1", repo: "demo.git" as RepoName, workspace, processes });
  if (!opened.ok) throw new Error(opened.error.message);
  session = opened.value;
});

afterEach(async () => {
  await session.close();
});

describe("host executor", () => {
  it("runs argv in the workspace with separate streams and the exit code", async () => {
    const sink = new CollectingSink();
    const result = await session.exec(request(["sh", "-c", "pwd; echo oops >&2; exit 3"]), sink);
    expect(result).toMatchObject({ exit: 3, reason: "exited" });
    expect(sink.text).toEqual({ stdout: `${workspace}\n`, stderr: "oops\n" });
    expect(tracked.size).toBe(0);
  });

  it("runs in a workspace subdirectory and refuses every cwd that leaves it", async () => {
    await mkdir(join(workspace, "sub"));
    await symlink("/", join(workspace, "root-link"));
    const sub = new CollectingSink();
    expect((await session.exec(request(["pwd"], { cwd: "sub" }), sub)).exit).toBe(0);
    expect(sub.text.stdout).toBe(`${join(workspace, "sub")}\n`);
    for (const cwd of ["..", "../x", "sub/../..", "/tmp", "root-link", "root-link/tmp", "missing"]) {
      const sink = new CollectingSink();
      const result = await session.exec(request(["touch", "escaped"], { cwd }), sink);
      expect(result.exit).toBe(126);
      expect(sink.text.stderr).toMatch(/^quire: cwd/);
    }
    await expect(stat(join(workspace, "..", "escaped"))).rejects.toThrow();
    await expect(stat("/escaped")).rejects.toThrow();
  });

  it("gives the job exactly its env plus PATH and HOME, nothing of the server's", async () => {
    process.env.QUIRE_SERVER_SECRET = "must-not-leak";
    try {
      const sink = new CollectingSink();
      await session.exec(request(["env"], { env: { FOO: "bar" } }), sink);
      const names = sink.text.stdout.trim().split("\n").map((line) => line.split("=")[0]);
      expect(names.sort()).toEqual(["FOO", "HOME", "PATH"]);
      expect(sink.text.stdout).toContain("FOO=bar\n");
      expect(sink.text.stdout).not.toContain("must-not-leak");
      const own = new CollectingSink();
      await session.exec(request(["sh", "-c", 'echo "$PATH $HOME"'], { env: { PATH: "/bin:/usr/bin", HOME: "/nowhere" } }), own);
      expect(own.text.stdout).toBe("/bin:/usr/bin /nowhere\n");
    } finally {
      delete process.env.QUIRE_SERVER_SECRET;
    }
  });

  it("answers 127 for a program that does not exist, without throwing", async () => {
    const sink = new CollectingSink();
    const result = await session.exec(request(["no-such-program-quire"]), sink);
    expect(result).toMatchObject({ exit: 127, reason: "exited" });
    expect(sink.text.stderr).toContain("no-such-program-quire");
  });

  it("closes stdin", async () => {
    const sink = new CollectingSink();
    const result = await session.exec(request(["sh", "-c", "cat; echo done"]), sink);
    expect(result.exit).toBe(0);
    expect(sink.text.stdout).toBe("done\n");
  });

  it("kills the whole process tree on timeout, also children in a group of their own", async () => {
    // perl's setpgrp moves the child out of the command's group; it stays in its session.
    for (const script of ["sleep 100 & echo $!; sleep 100", "perl -e 'setpgrp(0,0); exec qw(sleep 100)' & echo $!; wait"]) {
      const sink = new CollectingSink();
      const result = await session.exec(request(["sh", "-c", script], { timeoutMs: 300 }), sink);
      expect(result.reason).toBe("timed-out");
      const child = Number(sink.text.stdout.trim());
      expect(child).toBeGreaterThan(1);
      expect(pidAlive(child)).toBe(false);
    }
    expect(tracked.size).toBe(0);
  });

  it("kills the whole process tree on abort, with SIGKILL for what ignores SIGTERM", async () => {
    const sink = new CollectingSink();
    const abort = new AbortController();
    const pending = session.exec(request(["sh", "-c", "trap '' TERM; sleep 100 & echo $!; wait"], { signal: abort.signal }), sink);
    const child = Number(await sink.firstLine());
    expect(pidAlive(child)).toBe(true);
    abort.abort();
    const result = await pending;
    expect(result.reason).toBe("cancelled");
    expect(result.exit).toBe(137);
    expect(pidAlive(child)).toBe(false);
  });

  it("does not start a command whose signal is already aborted", async () => {
    const abort = new AbortController();
    abort.abort();
    const result = await session.exec(request(["touch", "ran"], { signal: abort.signal }), new CollectingSink());
    expect(result.reason).toBe("cancelled");
    await expect(stat(join(workspace, "ran"))).rejects.toThrow();
  });

  it("returns when the command exits, even if a background child holds its output open, and close() ends it", async () => {
    const quiet = new CollectingSink();
    expect((await session.exec(request(["sh", "-c", "sleep 100 >/dev/null 2>&1 & echo $!"]), quiet)).exit).toBe(0);
    const holding = new CollectingSink();
    const started = performance.now();
    expect((await session.exec(request(["sh", "-c", "sleep 100 & echo $!"]), holding)).exit).toBe(0);
    expect(performance.now() - started).toBeLessThan(5_000);
    const children = [Number(quiet.text.stdout), Number(holding.text.stdout)];
    expect(children.map(pidAlive)).toEqual([true, true]);
    expect(tracked.size).toBe(2);
    await session.close();
    expect(children.map(pidAlive)).toEqual([false, false]);
    expect(tracked.size).toBe(0);
    await expect(session.exec(request(["true"]), new CollectingSink())).rejects.toThrow(/closed/);
  });

  it("cancels a running command when the session closes", async () => {
    const sink = new CollectingSink();
    const pending = session.exec(request(["sh", "-c", "sleep 100 & echo $!; wait"]), sink);
    const child = Number(await sink.firstLine());
    await session.close();
    expect((await pending).reason).toBe("cancelled");
    expect(pidAlive(child)).toBe(false);
  });

  it("streams all output through a slow sink (backpressure)", async () => {
    let bytes = 0;
    const slow: OutputSink = {
      write: async (_stream, chunk) => {
        bytes += chunk.byteLength;
        await new Promise<void>((resolve) => setImmediate(resolve));
      },
    };
    const result = await session.exec(request(["head", "-c", String(8 * 1024 * 1024), "/dev/zero"]), slow);
    expect(result.exit).toBe(0);
    expect(bytes).toBe(8 * 1024 * 1024);
  });

  it("records the groups left running in the process registry, where reconcile's killRun ends them", async () => {
    const root = await tempDir("quire-processes-");
    const registry = new ProcessRegistry(root);
    const opened = await new HostExecutor({ killGraceMs: 300 }).open({ runId: "r3", repo: "demo.git" as RepoName, workspace, processes: registry.tracker("r3") });
    if (!opened.ok) throw new Error(opened.error.message);
    const own = opened.value;
    const leftover = async () => {
      const sink = new CollectingSink();
      expect((await own.exec(request(["sh", "-c", "sleep 100 >/dev/null 2>&1 & echo $!"]), sink)).exit).toBe(0);
      return Number(sink.text.stdout);
    };
    try {
      const first = await leftover();
      expect((await own.exec(request(["true"]), new CollectingSink())).exit).toBe(0);
      expect(await readdir(join(root, "r3"))).toHaveLength(1); // the finished command is forgotten
      expect(await registry.killRun("r3")).toBe(1);
      expect(await registry.listRuns()).toEqual([]);
      // The run's directory is gone now; a later command still gets recorded.
      const second = await leftover();
      expect(await registry.listRuns()).toEqual(["r3"]);
      await own.close();
      expect([first, second].map(pidAlive)).toEqual([false, false]);
      // The last group took the run's directory along.
      expect(await registry.listRuns()).toEqual([]);
    } finally {
      await own.close();
    }
  });

  it("refuses to open on a workspace that does not exist", async () => {
    const opened = await new HostExecutor().open({ runId: "r2", repo: "demo.git" as RepoName, workspace: join(workspace, "nope") });
    expect(opened.ok).toBe(false);
    if (!opened.ok) expect(opened.error.code).toBe("executor_unavailable");
  });
});

describe("process tree scan", () => {
  it("finds in the pids handed out since the fork mark what a scan of every process finds", async () => {
    const mark = forkMark();
    expect(mark).toBeGreaterThan(0);
    // One child stays in the group, one moves to a group of its own inside the session.
    const script = "sleep 100 & a=$!; perl -e 'setpgrp(0,0); exec qw(sleep 100)' & echo $a $!; wait";
    const leader = spawn("sh", ["-c", script], { detached: true, stdio: ["ignore", "pipe", "ignore"] });
    const pids = await new Promise<number[]>((resolve) => leader.stdout.once("data", (chunk: Buffer) => resolve(chunk.toString().trim().split(" ").map(Number))));
    const group = leader.pid ?? 0;
    try {
      const windowed = (await treeMembers(group, mark)).sort((a, b) => a - b);
      expect(windowed).toEqual((await treeMembers(group)).sort((a, b) => a - b));
      expect(windowed).toEqual([group, ...pids].sort((a, b) => a - b));
    } finally {
      await killTree(group, 300, mark);
    }
    expect([group, ...pids].map(pidAlive)).toEqual([false, false, false]);
  });

  it("looks from the leader up to the newest pid, across the wrap at pid_max, and everywhere once the counter may have lapped", () => {
    const straight = pidWindow(1_000, { last: 1_200, forks: 150, inUse: 100, pidMax: 32_768 });
    expect([999, 1_000, 1_200, 1_201, 400].map((pid) => straight?.(pid))).toEqual([false, true, true, false, false]);
    const wrapped = pidWindow(32_700, { last: 400, forks: 500, inUse: 100, pidMax: 32_768 });
    expect([32_699, 32_700, 32_767, 300, 400, 401].map((pid) => wrapped?.(pid))).toEqual([false, true, true, true, true, false]);
    expect(pidWindow(1_000, { last: 1_200, forks: 32_368, inUse: 100, pidMax: 32_768 })).toBeUndefined();
  });
});
