import { readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createNodePipelineRuntime } from "../../adapters/pipeline/node-pipeline-runtime.ts";
import { SHA, cleanUp, load, loaded, pushOutputs, tempDir, testHost, workspaceWith } from "../fixtures/pipelines/harness.ts";

const runtime = createNodePipelineRuntime();

afterEach(cleanUp);

describe("node pipeline runtime: loading", () => {
  it("lists the jobs of a pipeline with their inputs", async () => {
    const session = loaded(await load(runtime, await workspaceWith("two-jobs")));
    expect(session.jobs).toEqual([
      { id: "build", inputs: ["quire/push"] },
      { id: "deploy", inputs: ["build", "quire/push"] },
      { id: "strict", inputs: ["quire/push"] },
    ]);
  });

  it("bundles the pipeline's local imports", async () => {
    const workspace = await workspaceWith("with-lib");
    const session = loaded(await load(runtime, workspace));
    expect(await session.runJob("greet", testHost(workspace))).toEqual({ kind: "outputs", outputs: { message: "hello from lib, quire" } });
  });

  it("loads .js and .mjs pipelines, top-level await included", async () => {
    const jsWorkspace = await workspaceWith("js");
    const js = loaded(await load(runtime, jsWorkspace, { pipeline: ".quire/ci.js" }));
    expect(await js.runJob("plain-js", testHost(jsWorkspace))).toEqual({ kind: "outputs", outputs: { ref: "refs/heads/main" } });

    const mjsWorkspace = await workspaceWith("mjs");
    const mjs = loaded(await load(runtime, mjsWorkspace, { pipeline: ".quire/ci.mjs" }));
    expect(await mjs.runJob("module-js", testHost(mjsWorkspace))).toEqual({ kind: "outputs", outputs: { answer: 42 } });
  });

  it("reports a syntax error with esbuild's message and the file's location", async () => {
    const workspace = await workspaceWith(null, { ".quire/ci.ts": 'import { job } from "quire/ci";\n\njob("x", [,\n' });
    const result = await load(runtime, workspace);
    expect(result.kind).toBe("error");
    expect(result.kind === "error" && result.message).toMatch(/^\.quire\/ci\.ts:\d+:\d+: /);
  });

  it("reports a pipeline that throws while it is imported, with the line in the pipeline", async () => {
    const result = await load(runtime, await workspaceWith("throws-at-import"));
    expect(result).toEqual({ kind: "error", message: "pipeline exploded at import (at .quire/ci.ts:4:7)" });
  });

  it("reports a job() call with bad arguments", async () => {
    const result = await load(runtime, await workspaceWith("bad-job-call"));
    expect(result.kind === "error" && result.message).toMatch(/job\("lonely"\): inputs must be an array of strings/);
  });

  it("refuses imports from outside the workspace, also through a symlink", async () => {
    const outside = await tempDir("quire-outside-");
    await writeFile(join(outside, "server-secret.ts"), 'export const token = "hunter2";\n');
    const direct = await workspaceWith(null, {
      ".quire/ci.ts": `import { token } from ${JSON.stringify(join(outside, "server-secret.ts"))};\nexport { token };\n`,
    });
    const viaLink = await workspaceWith(null, { ".quire/ci.ts": 'import { token } from "../linked.ts";\nexport { token };\n' });
    await symlink(join(outside, "server-secret.ts"), join(viaLink, "linked.ts"));

    for (const workspace of [direct, viaLink]) {
      const result = await load(runtime, workspace);
      expect(result.kind === "error" && result.message).toMatch(/^\.quire\/ci\.ts:1:\d+: cannot import .*only files inside its repository/);
    }
  });

  it("reports a missing pipeline file", async () => {
    const result = await load(runtime, await workspaceWith("two-jobs"), { pipeline: ".quire/ci.mjs" });
    expect(result).toEqual({ kind: "error", message: "pipeline file .quire/ci.mjs not found in the workspace" });
  });
});

describe("node pipeline runtime: running jobs", () => {
  it("relays sh and log to the host and returns the job's outputs", async () => {
    const workspace = await workspaceWith("two-jobs");
    const session = loaded(await load(runtime, workspace));
    const host = testHost(workspace);
    expect(await session.runJob("build", host)).toEqual({ kind: "outputs", outputs: { said: `building ${SHA}`, exit: 0 } });
    expect(host.logs).toEqual(["built"]);
  });

  it("passes secrets and ancestors' outputs; nothrow keeps a non-zero exit", async () => {
    const workspace = await workspaceWith("two-jobs");
    const session = loaded(await load(runtime, workspace));
    const host = testHost(workspace, { "quire/push": pushOutputs("main"), build: { said: "built it" } }, { "deploy-token": "s3cret" });
    expect(await session.runJob("deploy", host)).toEqual({ kind: "outputs", outputs: { deployed: "built it", nothrow_exit: 3 } });
  });

  it("skips a job that returns skip(reason), with the reason", async () => {
    const workspace = await workspaceWith("two-jobs");
    const session = loaded(await load(runtime, workspace));
    const host = testHost(workspace, { "quire/push": pushOutputs("feature"), build: {} });
    expect(await session.runJob("deploy", host)).toEqual({ kind: "skipped", reason: "deploys run on main only, not feature" });
  });

  it("fails a job whose sh exits non-zero without nothrow, naming the line of the call", async () => {
    const workspace = await workspaceWith("two-jobs");
    const session = loaded(await load(runtime, workspace));
    expect(await session.runJob("strict", testHost(workspace))).toEqual({ kind: "failed", error: 'sh "exit 3" exited with 3 (at .quire/ci.ts:20:3)' });
  });

  it("fails a job that reads a job it may not see or a secret it cannot have", async () => {
    const workspace = await workspaceWith("two-jobs");
    const session = loaded(await load(runtime, workspace));
    const noBuild = testHost(workspace, undefined, { "deploy-token": "s3cret" });
    expect(await session.runJob("deploy", noBuild)).toEqual({ kind: "failed", error: 'jobs("build"): not an ancestor of this job (at .quire/ci.ts:16:22)' });
    const noSecret = testHost(workspace, { "quire/push": pushOutputs("main"), build: {} });
    expect(await session.runJob("deploy", noSecret)).toEqual({ kind: "failed", error: 'unknown secret "deploy-token" (at .quire/ci.ts:13:17)' });
  });

  it("reads and writes workspace files", async () => {
    const workspace = await workspaceWith("hostile");
    const session = loaded(await load(runtime, workspace));
    expect(await session.runJob("files", testHost(workspace))).toEqual({ kind: "outputs", outputs: { read: "kept in the workspace" } });
    expect(await readFile(join(workspace, "out/note.txt"), "utf8")).toBe("kept in the workspace");
  });

  it("fails a job that returns something JSON cannot carry", async () => {
    const workspace = await workspaceWith("hostile");
    const session = loaded(await load(runtime, workspace));
    const result = await session.runJob("bad-return", testHost(workspace));
    expect(result).toEqual({ kind: "failed", error: expect.stringContaining('job "bad-return": outputs.when is a Date, not a plain object') });
  });

  it("runs jobs side by side, each with its own host", async () => {
    const workspace = await workspaceWith("two-jobs");
    const session = loaded(await load(runtime, workspace));
    const [build, strict] = await Promise.all([session.runJob("build", testHost(workspace)), session.runJob("strict", testHost(workspace))]);
    expect(build).toEqual({ kind: "outputs", outputs: { said: `building ${SHA}`, exit: 0 } });
    expect(strict).toEqual({ kind: "failed", error: 'sh "exit 3" exited with 3 (at .quire/ci.ts:20:3)' });
  });

  it("fails a job the pipeline does not have", async () => {
    const workspace = await workspaceWith("two-jobs");
    const session = loaded(await load(runtime, workspace));
    expect(await session.runJob("nope", testHost(workspace))).toEqual({ kind: "failed", error: 'this pipeline has no job "nope"' });
  });
});
