import { readFile, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imageTag } from "../../core/names/image-tag.ts";
import { BASE, containersOf, docker, requireEngine } from "../support/docker-fixtures.ts";
import type { WorkClone } from "../support/git.ts";
import type { ServerProcess } from "../support/quire-process.ts";
import { postWithToken, readLog, runIdsFromPush, waitForRun } from "../support/runs-api.ts";
import { serveRepo } from "../support/served-repo.ts";

const REPO = "parallel.git";

const TWO_SLEEPERS = `import { job } from "quire/ci";
job("one", ["quire/push"], async ({ sh }) => { await sh("echo started; sleep 2"); });
job("two", ["quire/push"], async ({ sh }) => { await sh("echo started; sleep 2"); });
job("after", ["one", "two"], async ({ sh }) => { await sh("echo both done"); });
`;

const TWO_HANGERS = `import { job } from "quire/ci";
job("one", ["quire/push"], async ({ sh }) => { await sh("echo started; sleep 300"); });
job("two", ["quire/push"], async ({ sh }) => { await sh("echo started; sleep 300"); });
`;

interface Devlt {
  started_at: string;
  finished_at: string;
}

describe.each([
  ["host", "executor: host\n"],
  ["docker", `executor: docker\ndocker:\n  image: ${BASE}\n  memory_mb: 256\n`],
])("independent jobs on the %s executor", (kind, config) => {
  let home: string;
  let server: ServerProcess;
  let clone: WorkClone;
  const runIds: string[] = [];

  beforeAll(async () => {
    if (kind === "docker") await requireEngine();
    ({ home, server, clone } = await serveRepo({ repo: REPO, config: `${config}jobs_per_run: 4\nrun_timeout_minutes: 2\n` }));
  });

  afterAll(async () => {
    await server?.stop();
    if (kind === "docker") {
      for (const id of runIds) {
        const left = await containersOf(id);
        if (left.length > 0) await docker(["rm", "-f", ...left]);
      }
      await docker(["image", "rm", ...runIds.map((id) => imageTag(REPO, id))]).catch(() => undefined);
    }
    await rm(home, { recursive: true, force: true });
    if (clone) await rm(dirname(clone.dir), { recursive: true, force: true });
  });

  async function push(pipeline: string): Promise<string> {
    await clone.commit({ ".quire/ci.ts": pipeline }, "pipeline");
    const [id] = runIdsFromPush(await clone.push(["origin", "HEAD:refs/heads/main", "--force"]));
    if (!id) throw new Error("push created no run");
    runIds.push(id);
    return id;
  }

  const devlt = async (state: string, id: string, job: string): Promise<Devlt> =>
    (JSON.parse(await readFile(join(home, "runs", REPO, state, id, "jobs", job, "receipt.json"), "utf8")) as { devlt: Devlt }).devlt;

  it("run at the same time, and their dependent after both", async () => {
    const id = await push(TWO_SLEEPERS);
    const run = await waitForRun(server, id);
    expect(run).toMatchObject({ status: "complete", outcome: "succeeded" });
    const [one, two, after] = await Promise.all(["one", "two", "after"].map((job) => devlt("complete", id, job)));
    if (!one || !two || !after) throw new Error("missing receipts");
    // Each started before the other finished: they overlapped instead of queueing.
    expect(Date.parse(two.started_at)).toBeLessThan(Date.parse(one.finished_at));
    expect(Date.parse(one.started_at)).toBeLessThan(Date.parse(two.finished_at));
    expect(Date.parse(after.started_at)).toBeGreaterThanOrEqual(Math.max(Date.parse(one.finished_at), Date.parse(two.finished_at)));
    expect(await readLog(server, id, "after")).toMatch(/stdout F both done$/m);
  });

  it("cancel stops every running job", async () => {
    const id = await push(TWO_HANGERS);
    await waitForRun(server, id, (run) => run.status === "active");
    for (let i = 0; i < 600; i++) {
      const logs = await Promise.all(["one", "two"].map((job) => readLog(server, id, job)));
      if (logs.every((log) => log.includes("started"))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await postWithToken(server, `/runs/${id}/cancel`)).status).toBe(202);
    const run = await waitForRun(server, id);
    expect(run).toMatchObject({ status: "failed", outcome: "cancelled" });
    const receipt = JSON.parse(await readFile(join(home, "runs", REPO, "failed", id, "receipt.json"), "utf8"));
    expect(receipt.jobs).toEqual({ one: "cancelled", two: "cancelled" });
    if (kind === "docker") expect(await containersOf(id)).toEqual([]);
  });
});
