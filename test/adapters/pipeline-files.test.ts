import { access, readFile, symlink } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodePipelineRuntime } from "../../adapters/pipeline/node-pipeline-runtime.ts";
import type { PipelineSession } from "../../core/ports/pipeline-runtime.ts";
import { runPipeline } from "../../core/run/run-pipeline.ts";
import { cleanUp, load, loaded, testHost, workspaceWith, type TestHost } from "../fixtures/pipelines/harness.ts";
import { fakeRunDeps, job, SHA } from "../support/fake-run-deps.ts";

// One child for the whole file: every job here leaves the process usable.
let workspace: string;
let session: PipelineSession;
let host: TestHost;

beforeAll(async () => {
  workspace = await workspaceWith("files", { "README.md": "the repo's readme\n" });
  await symlink("/", join(workspace, "x"));
  session = loaded(await load(createNodePipelineRuntime(), workspace));
  host = testHost(workspace);
});

afterAll(cleanUp);

const childPid = async (): Promise<number> => {
  const result = await session.runJob("pid", host);
  if (result.kind !== "outputs") throw new Error(`pid job: ${JSON.stringify(result)}`);
  return result.outputs.pid as number;
};

describe("pipeline sandbox: no file access of its own", () => {
  it("denies a raw fs read through a symlink to /", async () => {
    expect(await session.runJob("raw-read-link", host)).toEqual({
      kind: "failed",
      error: "Access to this API has been restricted (ERR_ACCESS_DENIED: FileSystemRead x/etc/hostname) (at .quire/ci.ts:6:53)",
    });
  });

  it("denies a raw fs write through a symlink to /", async () => {
    expect(await session.runJob("raw-write-link", host)).toEqual({ kind: "failed", error: expect.stringContaining("(ERR_ACCESS_DENIED: FileSystemWrite") });
    await expect(access(`/tmp/quire-escaped-${await childPid()}.txt`)).rejects.toThrow();
  });

  it("denies raw fs reads of the workspace's own files too", async () => {
    expect(await session.runJob("raw-read-own", host)).toEqual({ kind: "failed", error: expect.stringContaining("(ERR_ACCESS_DENIED: FileSystemRead") });
  });
});

describe("pipeline sandbox: readFile and writeFile through the server", () => {
  it("refuses to read through a symlink that leads outside the workspace", async () => {
    expect(await session.runJob("sdk-read-link", host)).toEqual({
      kind: "failed",
      error: 'readFile: "x/etc/hostname" leads outside the workspace (at .quire/ci.ts:15:71)',
    });
  });

  it("refuses to write through a symlink that leads outside the workspace", async () => {
    const result = await session.runJob("sdk-write-link", host);
    expect(result).toEqual({ kind: "failed", error: expect.stringMatching(/^writeFile: "x\/tmp\/quire-escaped-\d+\.txt" leads outside the workspace \(at \.quire\/ci\.ts:18:3\)$/) });
    await expect(access(`/tmp/quire-escaped-${await childPid()}.txt`)).rejects.toThrow();
  });

  it("stays confined when a job makes the symlink itself with sh", async () => {
    expect(await session.runJob("link-by-sh", host)).toEqual({
      kind: "outputs",
      outputs: { raw: "ERR_ACCESS_DENIED", sdk: 'readFile: "y/etc/hostname" leads outside the workspace' },
    });
  });

  it("reads what sh wrote, and sh sees what the job wrote, parent directories created", async () => {
    expect(await session.runJob("sh-then-read", host)).toEqual({
      kind: "outputs",
      outputs: { fromSh: "from sh", fromJob: "from the job", readme: "the repo's readme\n" },
    });
  });

  it("writes bytes as bytes", async () => {
    expect(await session.runJob("bytes", host)).toEqual({ kind: "outputs", outputs: { written: true } });
    expect([...(await readFile(join(workspace, "bin/data.bin")))]).toEqual([0, 255, 1, 128]);
  });
});

describe("runPipeline: a job's files go through the WorkspaceFiles port", () => {
  it("writes and reads the run's workspace, and fails the job that leaves it", async () => {
    const { deps, createRun, files, workspaceFiles } = fakeRunDeps({
      [SHA]: {
        jobs: [
          job("write", ["quire/push"], async ({ writeFile }) => {
            await writeFile("dist/app.txt", "built");
            await writeFile("dist/app.bin", new Uint8Array([1, 2, 255]));
            return { wrote: true };
          }),
          job("read", ["write"], async ({ readFile }) => ({ read: await readFile("dist/app.txt") })),
          job("escape", ["quire/push"], async ({ readFile }) => ({ read: await readFile("../other-run/secret.txt") })),
        ],
      },
    });
    const run = await createRun();
    const done = await runPipeline(run, deps, new AbortController().signal);
    expect(done.state).toMatchObject({ status: "failed", outcome: "failed", error: 'job "escape" failed: readFile: "../other-run/secret.txt" escapes the workspace' });
    const receipt = JSON.parse((await files.readFile(run.meta.repo, run.meta.run_id, "jobs/read/receipt.json")) ?? "{}");
    expect(receipt.outputs).toEqual({ read: "built" });
    const workspace = `/fake-workspace/${SHA}/${run.meta.run_id}`;
    expect([...(workspaceFiles.bytes(workspace, "dist/app.bin") ?? [])]).toEqual([1, 2, 255]);
  });
});
