import { copyFile, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkClone } from "../support/git.ts";
import { quire, startServer, tempHome, type ServerProcess } from "../support/quire-process.ts";
import { waitForRun } from "../support/runs-api.ts";
import { tempDir } from "../support/temp-dir.ts";

const PIPELINE = `import { job } from "quire/ci";
job("test", ["quire/push"], async ({ sh }) => { await sh("echo spooled run"); });
`;

interface Listed {
  runs: { run_id: string; number: number; sha: string; status: string }[];
}

describe("pushes while the server is down", () => {
  let home: string;
  let aside: string;
  let clone: WorkClone;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    home = await tempHome();
    aside = await tempDir("quire-spool-copy-");
    expect((await quire(["repo", "new", "demo.git", "--home", home])).exitCode).toBe(0);
    clone = await WorkClone.of(join(home, "repos", "demo.git"));
  });

  afterAll(async () => {
    await server?.stop();
    await rm(home, { recursive: true, force: true });
    await rm(aside, { recursive: true, force: true });
    await rm(dirname(clone.dir), { recursive: true, force: true });
  });

  const spooled = async () => (await readdir(join(home, "spool"))).filter((name) => name.endsWith(".json"));
  const listRuns = async (s: ServerProcess) => ((await (await s.request("/runs?repo=demo.git")).json()) as Listed).runs;

  it("are spooled by the hook and run exactly once when the server starts", async () => {
    const sha = await clone.commit({ ".quire/ci.ts": PIPELINE }, "pipeline");
    const stderr = await clone.push(["origin", "HEAD:refs/heads/main"]);
    expect(stderr).toMatch(/quire: no server is running for .+; push queued for when quire is back \(.+\/spool\/[0-9a-f-]{36}\.json\)/);
    const [file] = await spooled();
    if (!file) throw new Error("the hook spooled nothing");
    // Kept for the next test: the spool as it was before the server took the event.
    await copyFile(join(home, "spool", file), join(aside, file));

    server = await startServer(home);
    const run = await waitForRun(server, "demo.git#1");
    expect(run).toMatchObject({ status: "complete", outcome: "succeeded", sha, ref: "refs/heads/main" });
    expect(await spooled()).toEqual([]);
    expect((await listRuns(server)).map((r) => r.number)).toEqual([1]);
  });

  it("run once even when the server died after accepting a spooled event and before removing it", async () => {
    if (!server) throw new Error("no server from the previous test");
    // A crash at that point leaves exactly this: the run made, the spool file still there.
    await server.kill();
    const [file] = await readdir(aside);
    if (!file) throw new Error("nothing set aside");
    await copyFile(join(aside, file), join(home, "spool", file));

    server = await startServer(home);
    expect(await spooled()).toEqual([]);
    const runs = await listRuns(server);
    expect(runs.map((r) => r.number)).toEqual([1]);
    expect(runs[0]?.status).toBe("complete");
  });

  it("are delivered after the next accepted push when the server was unreachable only for a moment", async () => {
    if (!server) throw new Error("no server from the previous test");
    const url = await readFile(join(home, "server.url"), "utf8");
    // The server is up but the hook cannot reach it (a port nothing listens on).
    await writeFile(join(home, "server.url"), "http://127.0.0.1:9/\n");
    const missed = await clone.commit({ "a.txt": "missed" }, "missed");
    expect(await clone.push(["origin", "HEAD:refs/heads/main"])).toMatch(/push queued for when quire is back/);
    await writeFile(join(home, "server.url"), url);
    const next = await clone.commit({ "b.txt": "next" }, "next");
    expect(await clone.push(["origin", "HEAD:refs/heads/other"])).toMatch(/queued for refs\/heads\/other/);
    await expect.poll(spooled, { timeout: 20_000 }).toEqual([]);
    const runs = await listRuns(server);
    expect(new Set(runs.map((r) => r.sha))).toEqual(new Set([missed, next, runs.find((r) => r.number === 1)?.sha]));
    expect(runs).toHaveLength(3);
  });

  it("keeps an event the server refuses in spool/rejected and goes on with the rest", async () => {
    if (!server) throw new Error("no server from the previous test");
    const id = "01900000-0000-7000-8000-000000000bad";
    await writeFile(join(home, "spool", `${id}.json`), JSON.stringify({ type: "push", event_id: id, repo: "gone.git", pushed_at: new Date().toISOString(), refs: [{ ref: "refs/heads/main", old_sha: "0".repeat(40), new_sha: "a".repeat(40) }] }));
    await clone.commit({ "c.txt": "again" }, "again");
    await clone.push(["origin", "HEAD:refs/heads/main"]);
    await expect.poll(spooled, { timeout: 20_000 }).toEqual([]);
    expect(await readdir(join(home, "spool", "rejected"))).toEqual([`${id}.json`]);
    expect(await listRuns(server)).toHaveLength(4);
  });
});
