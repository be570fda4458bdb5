import { chmod, readdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { createNodePipelineRuntime } from "../../adapters/pipeline/node-pipeline-runtime.ts";
import { childSandbox, cleanUp, isAlive, load, loaded, tempDir, testHost, waitGone, workspaceWith } from "../fixtures/pipelines/harness.ts";
import { pidsWithArg } from "../fixtures/pipelines/spare-pids.ts";

const sandbox = await childSandbox();

afterEach(cleanUp);

/** bwrap, running as the sandbox user, must reach the bundle: a 0700 parent would hide it. */
async function sandboxTempDir(prefix: string): Promise<string> {
  const dir = await tempDir(prefix);
  await chmod(dir, 0o711);
  return dir;
}

const bundleDirs = async (dir: string): Promise<string[]> => (await readdir(dir)).filter((name) => name.startsWith("quire-pipeline-"));

function tracker() {
  const started: number[] = [];
  const ended: number[] = [];
  return { started, ended, processes: { started: async (pgid: number) => void started.push(pgid), ended: async (pgid: number) => void ended.push(pgid) } };
}

describe("pipeline sandbox: a spare child", () => {
  it("is booted once a run's child has ended, and the next run adopts it: recorded by that run, gone with it", async () => {
    const bundles = await sandboxTempDir("quire-bundles-");
    const own = createNodePipelineRuntime({ tempDir: bundles, sandbox, spare: true });
    const first = loaded(await load(own, await workspaceWith("hostile")));
    await first.close();
    const [spareDir] = await bundleDirs(bundles);
    expect(spareDir).toBeDefined();
    const [spareLeader] = pidsWithArg(spareDir ?? "?");
    expect(spareLeader).toBeDefined();

    const { started, ended, processes } = tracker();
    const workspace = await workspaceWith("hostile");
    const second = loaded(await load(own, workspace, { processes }));
    // The run recorded the spare's group, and the spare's directory held this run's bundle.
    expect(started).toEqual([spareLeader]);
    expect(await bundleDirs(bundles)).not.toContain(spareDir);
    expect((await second.runJob("pid", testHost(workspace))).kind).toBe("outputs");
    await second.close();
    expect(ended).toEqual(started);
    expect(await waitGone(spareLeader ?? -1)).toBe(true);
  });

  it("is not used by a run with another heap limit, and is ended", async () => {
    const bundles = await sandboxTempDir("quire-bundles-");
    const own = createNodePipelineRuntime({ tempDir: bundles, sandbox, spare: true });
    await loaded(await load(own, await workspaceWith("hostile"))).close();
    const [spareDir] = await bundleDirs(bundles);
    const [spareLeader] = pidsWithArg(spareDir ?? "?");
    const { started, processes } = tracker();
    const session = loaded(await load(own, await workspaceWith("hostile"), { processes, limits: { memoryMb: 96 } }));
    expect(started).toHaveLength(1);
    expect(started).not.toContain(spareLeader);
    expect(await waitGone(spareLeader ?? -1)).toBe(true);
    expect(await bundleDirs(bundles)).not.toContain(spareDir);
    await session.close();
  });

  it("keeps no process alive: a command that ran one pipeline ends, and its spare and directory go with it", async () => {
    const tmp = await sandboxTempDir("quire-owner-tmp-");
    const owner = await execa(process.execPath, ["--import", "tsx", fileURLToPath(new URL("../fixtures/pipelines/spare-owner.ts", import.meta.url))], {
      reject: false,
      timeout: 60_000,
      env: { TMPDIR: tmp },
    });
    expect(owner.timedOut).toBe(false);
    expect(owner.exitCode).toBe(0);
    const pids = owner.stdout.trim().split(" ").map(Number);
    expect(pids).toHaveLength(3); // bwrap, the sandbox's init, node
    for (const pid of pids) expect(await waitGone(pid)).toBe(true);
    expect(await bundleDirs(tmp)).toEqual([]);
    expect(pids.map(isAlive)).toEqual([false, false, false]);
  });
});
