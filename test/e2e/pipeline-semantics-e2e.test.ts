import { readFile, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkClone } from "../support/git.ts";
import type { ServerProcess } from "../support/quire-process.ts";
import { readLog, runIdsFromPush, waitForRun } from "../support/runs-api.ts";
import { serveRepo } from "../support/served-repo.ts";

let home: string;
let server: ServerProcess;
let clone: WorkClone;

async function pushPipeline(pipeline: string, branch = "main"): Promise<string> {
  await clone.commit({ ".quire/ci.ts": pipeline }, `pipeline for ${branch}`);
  const [id] = runIdsFromPush(await clone.push(["origin", `HEAD:refs/heads/${branch}`, "--force"]));
  if (!id) throw new Error("push created no run");
  return id;
}

const jobReceipt = async (state: string, id: string, job: string) =>
  JSON.parse(await readFile(join(home, "runs", "demo.git", state, id, "jobs", job, "receipt.json"), "utf8")) as Record<string, unknown>;

beforeAll(async () => {
  ({ home, server, clone } = await serveRepo({ config: "run_timeout_minutes: 1\n" }));
});

afterAll(async () => {
  await server?.stop();
  await rm(home, { recursive: true, force: true });
  if (clone) await rm(dirname(clone.dir), { recursive: true, force: true });
});

describe("what a job's return means, through real pushes", () => {
  it("a job that returns nothing succeeded with no outputs, and its dependent runs", async () => {
    const id = await pushPipeline(`import { job } from "quire/ci";
job("a", ["quire/push"], async ({ sh }) => { await sh("echo hello"); });
job("b", ["a"], async ({ sh, jobs }) => { await sh(["echo", "a gave " + JSON.stringify(jobs("a"))]); });
`);
    const run = await waitForRun(server, id);
    expect(run).toMatchObject({ status: "complete", outcome: "succeeded" });
    expect(await jobReceipt("complete", id, "a")).toMatchObject({ state: "succeeded", outputs: {} });
    expect(await readLog(server, id, "b")).toMatch(/stdout F a gave \{\}$/m);
  });

  it("skip(reason) is recorded with its reason, and its dependents are skipped", async () => {
    const id = await pushPipeline(`import { job, skip } from "quire/ci";
job("deploy", ["quire/push"], async ({ jobs }) => {
  if (jobs("quire/push").branch !== "main") return skip("deploys run on main only");
  return { deployed: true };
});
job("announce", ["deploy"], async ({ sh }) => { await sh("echo never"); });
`, "feature");
    const run = await waitForRun(server, id);
    expect(run).toMatchObject({ status: "complete", outcome: "succeeded" });
    expect(await jobReceipt("complete", id, "deploy")).toMatchObject({ state: "skipped", error: "deploys run on main only" });
    expect(await jobReceipt("complete", id, "announce")).toMatchObject({ state: "skipped", error: 'input "deploy" did not succeed' });
  });

  it('sh("true; false; true") fails the job: a string runs under sh -ec', async () => {
    const id = await pushPipeline(`import { job } from "quire/ci";
job("strict", ["quire/push"], async ({ sh }) => { await sh("echo before; false; echo after"); });
`);
    const run = await waitForRun(server, id);
    expect(run).toMatchObject({ status: "failed", outcome: "failed" });
    const log = await readLog(server, id, "strict");
    expect(log).toMatch(/stdout F before$/m);
    expect(log).not.toMatch(/after/);
    expect(await jobReceipt("failed", id, "strict")).toMatchObject({ state: "failed", exit_codes: [1] });
  });
});
