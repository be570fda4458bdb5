import { access, chmod, readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { PipelineHost, PipelineSession } from "../../core/ports/pipeline-runtime.ts";
import { createNodePipelineRuntime } from "../../adapters/pipeline/node-pipeline-runtime.ts";
import type { NodePipelineSession } from "../../adapters/pipeline/pipeline-session.ts";
import { childSandbox, cleanUp, isAlive, load, loaded, processTree, tempDir, testHost, waitGone, workspaceWith } from "../fixtures/pipelines/harness.ts";

const sandbox = await childSandbox();
const runtime = createNodePipelineRuntime({ sandbox });

/** bwrap, running as the sandbox user, must reach the bundle: a 0700 parent would hide it. */
async function sandboxTempDir(prefix: string): Promise<string> {
  const dir = await tempDir(prefix);
  await chmod(dir, 0o711);
  return dir;
}

/** The host pid of the node process inside the session's bubblewrap sandbox. */
function nodePid(session: PipelineSession): number {
  return processTree((session as NodePipelineSession).pid ?? -1).at(-1) ?? -1;
}

afterEach(cleanUp);

async function hostile(limits: { wallClockMs?: number } = {}, signal?: AbortSignal) {
  const workspace = await workspaceWith("hostile");
  const session = loaded(await load(runtime, workspace, { limits, ...(signal ? { signal } : {}) }));
  const host = testHost(workspace);
  const pid = async (): Promise<number> => {
    const result = await session.runJob("pid", host);
    if (result.kind !== "outputs") throw new Error(`pid job: ${JSON.stringify(result)}`);
    return nodePid(session);
  };
  return { workspace, session, host, pid };
}

describe("pipeline sandbox: the permission model", () => {
  it("fails a job that spawns through require, and the session keeps working", async () => {
    const { session, host, pid } = await hostile();
    const result = await session.runJob("spawn-require", host);
    expect(result).toEqual({ kind: "failed", error: expect.stringContaining("(ERR_ACCESS_DENIED: ChildProcess)") });
    expect(isAlive(await pid())).toBe(true);
  });

  it("fails a job that spawns through import()", async () => {
    const { session, host } = await hostile();
    expect(await session.runJob("spawn-import", host)).toEqual({ kind: "failed", error: expect.stringContaining("(ERR_ACCESS_DENIED: ChildProcess)") });
  });

  it("fails a job that writes outside the workspace, with fs or with writeFile", async () => {
    const { workspace, session, host, pid } = await hostile();
    expect(await session.runJob("write-outside", host)).toEqual({ kind: "failed", error: expect.stringContaining("(ERR_ACCESS_DENIED: FileSystemWrite /tmp/") });
    await pid();
    expect((await readdir("/tmp")).filter((name) => name.startsWith("quire-escaped-"))).toEqual([]);
    expect(await session.runJob("write-escape", host)).toEqual({ kind: "failed", error: 'writeFile: "../escaped.txt" escapes the workspace (at .quire/ci.ts:24:3)' });
    await expect(access(join(workspace, "../escaped.txt"))).rejects.toThrow();
  });

  it("kills the process when it forges a protocol message", async () => {
    const { session, host } = await hostile();
    const error = "pipeline process killed: it sent a malformed done message";
    expect(await session.runJob("forge", host)).toEqual({ kind: "failed", error });
    expect(await session.runJob("pid", host)).toEqual({ kind: "failed", error });
  });

  it("fails the job of a process that exits, with its last output", async () => {
    const { session, host } = await hostile();
    expect(await session.runJob("exit", host)).toEqual({
      kind: "failed",
      error: "pipeline process exited with code 7 unexpectedly:\nlast words before exiting",
    });
  });
});

describe("pipeline sandbox: limits", () => {
  it("kills a job that never yields at the wall clock", async () => {
    const { session, host, pid } = await hostile({ wallClockMs: 1500 });
    const child = await pid();
    const error = "pipeline process killed: wall-clock limit of 1.5 s exceeded";
    expect(await session.runJob("loop", host)).toEqual({ kind: "failed", error });
    expect(await waitGone(child)).toBe(true);
    expect(await session.runJob("pid", host)).toEqual({ kind: "failed", error });
  });

  it("ends a pipeline that hangs while loading as a load error at the wall clock", async () => {
    const workspace = await workspaceWith("hang-at-import");
    const groups: number[] = [];
    const ended: number[] = [];
    const processes = { started: async (pgid: number) => void groups.push(pgid), ended: async (pgid: number) => void ended.push(pgid) };
    const result = await load(runtime, workspace, { limits: { wallClockMs: 1500 }, processes });
    expect(result).toEqual({ kind: "error", message: "pipeline process killed: wall-clock limit of 1.5 s exceeded" });
    expect(groups).toHaveLength(1);
    expect(ended).toEqual(groups);
    expect(isAlive(groups[0] ?? -1)).toBe(false);
  });

  it("fails a job that exhausts the heap", async () => {
    // Filling 64 MB of heap can take seconds on a loaded machine; the wall clock must not win.
    const { session, host } = await hostile({ wallClockMs: 15_000 });
    expect(await session.runJob("heap-bomb", host)).toEqual({ kind: "failed", error: "pipeline process ran out of memory (heap limit 64 MB)" });
  });

  it("kills a job that hoards memory outside the heap", async () => {
    const { session, host } = await hostile({ wallClockMs: 15_000 });
    const result = await session.runJob("buffer-bomb", host);
    expect(result).toEqual({ kind: "failed", error: expect.stringMatching(/^pipeline process killed: memory limit exceeded \(\d+ MB resident, limit 320 MB\)$/) });
  });

  it("kills the process when the run is cancelled, even while the host is busy", async () => {
    const abort = new AbortController();
    const { session, pid, host } = await hostile({}, abort.signal);
    const child = await pid();
    let started!: () => void;
    const shStarted = new Promise<void>((resolve) => (started = resolve));
    const busy: PipelineHost = { ...host, sh: () => (started(), new Promise(() => undefined)) };
    const pending = session.runJob("slow", busy);
    await shStarted;
    abort.abort();
    expect(await pending).toEqual({ kind: "failed", error: "pipeline process killed: cancelled" });
    expect(await waitGone(child)).toBe(true);
  });

  it("does not start a pipeline for a run that is already cancelled", async () => {
    const abort = new AbortController();
    abort.abort();
    expect(await load(runtime, await workspaceWith("two-jobs"), { signal: abort.signal })).toEqual({ kind: "error", message: "cancelled" });
  });
});

describe("pipeline sandbox: close", () => {
  it("removes the bundle once loaded and leaves no process behind", async () => {
    const bundles = await sandboxTempDir("quire-bundles-");
    const own = createNodePipelineRuntime({ tempDir: bundles, sandbox });
    const workspace = await workspaceWith("hostile");
    const session = loaded(await load(own, workspace));
    expect(await readdir(bundles)).toEqual([]);
    const result = await session.runJob("pid", testHost(workspace));
    expect(result.kind).toBe("outputs");
    const tree = processTree((session as NodePipelineSession).pid ?? -1);
    expect(tree).toHaveLength(3); // bwrap, the sandbox's init, node
    expect(tree.map(isAlive)).toEqual([true, true, true]);

    await session.close();
    await session.close();
    for (const pid of tree) expect(await waitGone(pid)).toBe(true);
    expect(await session.runJob("pid", testHost(workspace))).toEqual({ kind: "failed", error: "pipeline process killed: the pipeline session was closed" });
  });

  it("takes its pipeline processes along when the server dies of an uncaught error", async () => {
    const tmp = await sandboxTempDir("quire-owner-tmp-");
    const owner = await execa(process.execPath, ["--import", "tsx", fileURLToPath(new URL("../fixtures/pipelines/crashing-owner.ts", import.meta.url))], {
      reject: false,
      env: { TMPDIR: tmp },
    });
    expect(owner.stderr).toContain("the server crashed");
    const pids = owner.stdout.trim().split(" ").map(Number);
    expect(pids).toHaveLength(3);
    for (const pid of pids) expect(await waitGone(pid)).toBe(true);
    expect((await readdir(tmp)).filter((name) => name.startsWith("quire-pipeline-"))).toEqual([]);
  });

  it("kills the process it started while bundling, and removes everything, when the pipeline does not bundle", async () => {
    const bundles = await sandboxTempDir("quire-bundles-");
    const own = createNodePipelineRuntime({ tempDir: bundles, sandbox });
    const started: number[] = [];
    const ended: number[] = [];
    const processes = { started: async (pgid: number) => void started.push(pgid), ended: async (pgid: number) => void ended.push(pgid) };
    const workspace = await workspaceWith(null, { ".quire/ci.ts": 'import { job } from "quire/ci";\n\njob("x", [,\n' });
    const result = await load(own, workspace, { processes });
    expect(result.kind === "error" && result.message).toMatch(/^\.quire\/ci\.ts:\d+:\d+: /);
    expect(started).toHaveLength(1);
    expect(ended).toEqual(started);
    expect(started.map(isAlive)).toEqual([false]);
    expect(await readdir(bundles)).toEqual([]);
  });

  /** A sandboxed child started with no workspace yet, once its process group is recorded. */
  async function startedEarly() {
    const bundles = await sandboxTempDir("quire-bundles-");
    const own = createNodePipelineRuntime({ tempDir: bundles, sandbox });
    const started: number[] = [];
    const processes = { started: async (pgid: number) => void started.push(pgid), ended: async () => undefined };
    const early = own.start({ limits: { memoryMb: 256, wallClockMs: 60_000 }, signal: new AbortController().signal, processes });
    await vi.waitFor(() => expect(started).toHaveLength(1));
    return { bundles, started, early };
  }

  it("starts the child before the workspace exists, and names lines in the workspace made after", async () => {
    const { bundles, started, early } = await startedEarly();
    const result = await early.load({ workspace: await workspaceWith("throws-at-import"), pipelinePath: ".quire/ci.ts" });
    expect(result).toEqual({ kind: "error", message: "pipeline exploded at import (at .quire/ci.ts:4:7)" });
    expect(started.map(isAlive)).toEqual([false]);
    expect(await readdir(bundles)).toEqual([]);
  });

  it("ends a child started ahead of a workspace that never came, and leaves no bundle directory", async () => {
    const { bundles, started, early } = await startedEarly();
    await early.abandon();
    expect(started.map(isAlive)).toEqual([false]);
    expect(await readdir(bundles)).toEqual([]);
  });

  it("removes the bundle of a pipeline that did not load", async () => {
    const bundles = await sandboxTempDir("quire-bundles-");
    const own = createNodePipelineRuntime({ tempDir: bundles, sandbox });
    expect((await load(own, await workspaceWith("throws-at-import"))).kind).toBe("error");
    expect(await readdir(bundles)).toEqual([]);
  });
});
