import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkClone } from "../support/git.ts";
import type { ServerProcess } from "../support/quire-process.ts";
import { readLog, runIdsFromPush, waitForRun } from "../support/runs-api.ts";
import { serveRepo } from "../support/served-repo.ts";

const SECRET = "hunter2-very-secret-value";

let home: string;
let server: ServerProcess;
let clone: WorkClone;

async function pushPipeline(pipeline: string, branch = "main", extra: Record<string, string> = {}): Promise<string> {
  await clone.commit({ ".quire/ci.ts": pipeline, ...extra }, `pipeline for ${branch}`);
  const stderr = await clone.push(["origin", `HEAD:refs/heads/${branch}`, "--force"]);
  const [id] = runIdsFromPush(stderr);
  if (!id) throw new Error(`push created no run: ${stderr}`);
  return id;
}

async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

beforeAll(async () => {
  ({ home, server, clone } = await serveRepo({ config: `secrets:\n  token: "${SECRET}"\nrun_timeout_minutes: 1\n` }));
});

afterAll(async () => {
  await server?.stop();
});

describe("pipelines through real pushes", () => {
  it("a two-job pipeline ends complete with both logs and receipts", async () => {
    const id = await pushPipeline(`import { job } from "quire/ci";
job("build", ["quire/push"], async ({ sh }) => { await sh("echo built"); return { artifact: "app-1.tar" }; });
job("ship", ["build"], async ({ sh, jobs }) => { await sh(["echo", "shipping", String(jobs("build").artifact)]); return {}; });
`);
    const run = await waitForRun(server, id);
    expect(run).toMatchObject({ status: "complete", outcome: "succeeded" });
    expect(await readLog(server, id, "build")).toMatch(/^\S+ stdout F built$/m);
    expect(await readLog(server, id, "ship")).toMatch(/stdout F shipping app-1\.tar$/m);
    const dir = join(home, "runs", "demo.git", "complete", id);
    const receipt = JSON.parse(await readFile(join(dir, "receipt.json"), "utf8"));
    expect(receipt).toMatchObject({ outcome: "succeeded", sh_calls: 2, jobs: { build: "succeeded", ship: "succeeded" } });
    expect(JSON.parse(await readFile(join(dir, "jobs", "build", "receipt.json"), "utf8")).outputs).toEqual({ artifact: "app-1.tar" });
    expect(await readdir(join(home, "workspaces"))).not.toContain(id);
  });

  it("a failing job fails the run and its dependents are skipped", async () => {
    const id = await pushPipeline(`import { job } from "quire/ci";
job("test", ["quire/push"], async ({ sh }) => { await sh("echo failing >&2; exit 4"); });
job("deploy", ["test"], async () => ({}));
`);
    const run = await waitForRun(server, id);
    expect(run).toMatchObject({ status: "failed", outcome: "failed" });
    expect(run.error).toMatch(/job "test" failed: sh .* exited with 4/);
    const receipt = JSON.parse(await readFile(join(home, "runs", "demo.git", "failed", id, "receipt.json"), "utf8"));
    expect(receipt.jobs).toEqual({ test: "failed", deploy: "skipped" });
    expect(await readLog(server, id, "test")).toMatch(/stderr F failing$/m);
  });

  it.each([
    ["a syntax error", `import { job } from "quire/ci";\njob("a", ["quire/push"], async () => { return {; });\n`, /did not load/],
    [
      "a cycle",
      `import { job } from "quire/ci";\njob("a", ["b", "quire/push"], async () => ({}));\njob("b", ["a"], async () => ({}));\n`,
      /cycle: "a" → "b"/,
    ],
  ])("%s ends errored with the message in state.yml", async (_name, pipeline, message) => {
    const id = await pushPipeline(pipeline);
    const run = await waitForRun(server, id);
    expect(run).toMatchObject({ status: "failed", outcome: "errored" });
    expect(run.error).toMatch(message);
    const state = await readFile(join(home, "runs", "demo.git", "failed", id, "state.yml"), "utf8");
    expect(state).toMatch(/outcome: errored/);
  });

  it("a secret never reaches a file under the home or a response, even printed in pieces", async () => {
    const half = SECRET.length / 2;
    const id = await pushPipeline(`import { job } from "quire/ci";
job("leak", ["quire/push"], async ({ sh, secret, log }) => {
  const value = await secret("token");
  await sh(["sh", "-c", 'printf "%s" "$A"; sleep 0.2; printf "%s\\\\n" "$B"'], { env: { A: value.slice(0, ${half}), B: value.slice(${half}) } });
  await sh(["echo", value]);
  await log("the token is " + value);
  return { echoed: value };
});
`);
    const run = await waitForRun(server, id);
    expect(run.outcome).toBe("succeeded");
    const log1 = await readLog(server, id, "leak", 1);
    expect(log1).toContain("{{ token }}");
    const bodies = [
      JSON.stringify(run),
      log1,
      await readLog(server, id, "leak", 2),
      await (await server.request("/runs")).text(),
    ];
    for (const body of bodies) expect(body).not.toContain(SECRET);
    const config = join(home, "config.yml");
    for (const file of (await allFiles(home)).filter((f) => f !== config)) {
      expect(await readFile(file, "utf8").catch(() => ""), file).not.toContain(SECRET);
    }
  });
});
