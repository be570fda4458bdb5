import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { createNodePipelineRuntime } from "../../adapters/pipeline/node-pipeline-runtime.ts";
import { ProcessRegistry } from "../../adapters/process/process-registry.ts";
import { ok } from "../../core/result.ts";
import { runPipeline } from "../../core/run/run-pipeline.ts";
import { cleanUp, isAlive, tempDir, waitGone, workspaceWith } from "../fixtures/pipelines/harness.ts";
import { fakeRunDeps } from "../support/fake-run-deps.ts";

const OWNER = fileURLToPath(new URL("../fixtures/pipelines/killed-owner.ts", import.meta.url));
const RUN_ID = "01900000-0000-7000-8000-00000000b05e";

afterEach(cleanUp);

/** The pid from the owner's `busy <pid>` line: the child is in its loop by then. */
function busyPid(owner: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: owner.stdout! });
    lines.on("line", (line) => {
      const match = /^busy (\d+)$/.exec(line);
      if (match) resolve(Number(match[1]));
    });
    owner.once("exit", (code, signal) => reject(new Error(`the owner ended first (${code ?? signal})`)));
  });
}

describe("pipeline sandbox: a SIGKILLed server", () => {
  it("leaves its busy pipeline process where the process registry kills it", async () => {
    const registryDir = await tempDir("quire-processes-");
    const tmp = await tempDir("quire-owner-tmp-");
    const owner = spawn(process.execPath, ["--import", "tsx", OWNER, registryDir, RUN_ID], {
      env: { ...process.env, TMPDIR: tmp },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const ownerGone = new Promise((resolve) => owner.once("exit", resolve));
    const pid = await busyPid(owner);
    try {
      owner.kill("SIGKILL");
      await ownerGone;
      // A busy loop never notices the IPC channel closing: nothing but its group kill ends it.
      expect(isAlive(pid)).toBe(true);
      expect(await readdir(join(registryDir, RUN_ID))).toEqual([String(pid)]);

      expect(await new ProcessRegistry(registryDir).killRun(RUN_ID)).toBe(1);
      expect(await waitGone(pid)).toBe(true);
    } finally {
      if (isAlive(pid)) process.kill(pid, "SIGKILL");
    }
  });
});

describe("runPipeline: the pipeline process of a run", () => {
  it("is recorded under the run's id while the run works, and forgotten when it ends", async () => {
    const registryDir = await tempDir("quire-processes-");
    const registry = new ProcessRegistry(registryDir);
    const workspace = await workspaceWith(null, {
      ".quire/ci.ts": 'import { job } from "quire/ci";\njob("one", ["quire/push"], async ({ log }) => { await log("working"); return { pid: process.pid }; });\n',
    });
    const recorded: string[][] = [];
    const { deps, createRun, files } = fakeRunDeps({});
    const run = await createRun();
    deps.workspaces = { materialize: async () => ok(workspace), remove: async () => undefined };
    deps.runtime = createNodePipelineRuntime();
    deps.processes = (runId) => registry.tracker(runId);
    deps.onEvent = (event) => {
      if (event.type === "log") recorded.push(readdirSync(join(registryDir, run.meta.run_id)));
    };
    const done = await runPipeline(run, deps, new AbortController().signal);

    expect(done.state.outcome).toBe("succeeded");
    const receipt = JSON.parse((await files.readFile(run.meta.repo, run.meta.run_id, "jobs/one/receipt.json")) ?? "{}");
    expect(recorded).toEqual([[String(receipt.outputs.pid)]]);
    // Forgotten with its directory: no empty run directories pile up.
    expect(await registry.listRuns()).toEqual([]);
  });
});
