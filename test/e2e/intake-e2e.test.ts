import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { git, gitEnv, WorkClone } from "../support/git.ts";
import { quire, startServer, tempHome, type ServerProcess } from "../support/quire-process.ts";

const ZERO = "0".repeat(40);
const PIPELINE = 'import { job } from "quire/ci";\njob("test", ["quire/push"], async ({ sh }) => { await sh("true"); });\n';

let home: string;
let server: ServerProcess;
let clone: WorkClone;

type RunOnDisk = { state: string; id: string; meta: Record<string, unknown>; state_yml: Record<string, unknown> };

/** Every run of demo.git on disk, by state directory, with its parsed files. */
async function runsOnDisk(): Promise<RunOnDisk[]> {
  // The server's runner may move a run while we read; a move only goes forward, so read again.
  for (let attempt = 0; ; attempt++) {
    try {
      return await readRuns();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" || attempt > 5) throw error;
    }
  }
}

async function readRuns(): Promise<RunOnDisk[]> {
  const root = join(home, "runs", "demo.git");
  const runs: RunOnDisk[] = [];
  for (const state of ["pending", "active", "complete", "failed"]) {
    const ids = await readdir(join(root, state)).catch(() => [] as string[]);
    for (const id of ids) {
      const dir = join(root, state, id);
      runs.push({
        state,
        id,
        meta: parse(await readFile(join(dir, "meta.yml"), "utf8")) as Record<string, unknown>,
        state_yml: parse(await readFile(join(dir, "state.yml"), "utf8")) as Record<string, unknown>,
      });
    }
  }
  const ids = runs.map((r) => r.id);
  if (new Set(ids).size !== ids.length) return readRuns(); // seen in two states mid-move
  return runs.sort((a, b) => a.id.localeCompare(b.id));
}

const runIds = async () => (await runsOnDisk()).map((r) => r.id);

const head = () => git(clone.dir, ["rev-parse", "HEAD"]).then((s) => s.trim());

beforeAll(async () => {
  home = await tempHome();
  const created = await quire(["repo", "new", "demo.git", "--home", home]);
  expect(created.exitCode).toBe(0);
  server = await startServer(home);
  clone = await WorkClone.of(join(home, "repos", "demo.git"));
});

afterAll(async () => server?.stop());

describe("push intake end to end: real CLI, real server, real git push through the installed hook", () => {
  it("a push of a commit without a pipeline is accepted and creates no run", async () => {
    await clone.commit({ "README.md": "no pipeline yet" });
    const stderr = await clone.push();
    expect(stderr).not.toMatch(/quire: .*(queued|unreachable|refused|no server)/);
    expect(await runsOnDisk()).toEqual([]);
  });

  it("a push adding .quire/ci.ts creates a run, written into pending/, with meta.yml and state.yml that parse", async () => {
    const sha = await clone.commit({ ".quire/ci.ts": PIPELINE }, "add pipeline");
    const stderr = await clone.push();
    const runs = await runsOnDisk();
    expect(runs).toHaveLength(1);
    const [run] = runs;
    // The run is written into pending/; the server's runner may already have taken it further.
    expect(run?.state_yml.status).toBe(run?.state);
    if (run?.state !== "pending") expect(run?.state_yml.started_at).not.toBeNull();
    expect(run?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(run?.meta).toMatchObject({ run_id: run?.id, repo: "demo.git", number: 1, sha, ref: "refs/heads/main", pipeline: ".quire/ci.ts" });
    expect(run?.meta.old_sha).toMatch(/^[0-9a-f]{40}$/);
    expect(run?.meta.old_sha).not.toBe(ZERO);
    expect(Date.parse(String(run?.meta.pushed_at))).not.toBeNaN();
    expect(Date.parse(String(run?.state_yml.created_at))).not.toBeNaN();
    expect(Object.keys(run?.state_yml ?? {})).toEqual(expect.arrayContaining(["status", "outcome", "created_at", "started_at", "finished_at", "error"]));
    expect(stderr).toContain(`quire: run demo.git#1 queued for refs/heads/main (${run?.id})`);
    // The server's API sees the same run.
    const listed = (await (await server.request("/runs")).json()) as { runs: { run_id: string; status: string }[] };
    expect(listed.runs).toEqual([expect.objectContaining({ run_id: run?.id, repo: "demo.git", number: 1 })]);
  });

  it("a push with two refs creates two runs, one per ref", async () => {
    await git(clone.dir, ["checkout", "--quiet", "-b", "feature-a"]);
    const a = await clone.commit({ "a.txt": "a" });
    await git(clone.dir, ["checkout", "--quiet", "-b", "feature-b", "main"]);
    const b = await clone.commit({ "b.txt": "b" });
    await clone.push(["origin", "feature-a", "feature-b"]);
    const runs = (await runsOnDisk()).filter((r) => r.meta.ref !== "refs/heads/main");
    expect(runs.map((r) => [r.meta.ref, r.meta.sha, r.meta.old_sha]).sort()).toEqual([
      ["refs/heads/feature-a", a, ZERO],
      ["refs/heads/feature-b", b, ZERO],
    ]);
    expect(runs.map((r) => r.meta.number).sort()).toEqual([2, 3]);
  });

  it("deleting a branch creates no run", async () => {
    const before = await runIds();
    const stderr = await clone.push(["origin", "--delete", "feature-a"]);
    expect(stderr).not.toContain("queued");
    expect(await runIds()).toEqual(before);
    expect(await git(join(home, "repos", "demo.git"), ["branch", "--list", "feature-a"])).toBe("");
  });

  it("with the server stopped, the hook spools the event, says so in one line, and the push succeeds", async () => {
    await server.stop();
    expect(await stat(join(home, "server.url")).catch(() => undefined)).toBeUndefined();
    await git(clone.dir, ["checkout", "--quiet", "main"]);
    const sha = await clone.commit({ "c.txt": "while down" });
    const before = await runIds();
    const push = await execa("git", ["push", "origin", "main"], { cwd: clone.dir, env: gitEnv, reject: false });
    expect(push.exitCode).toBe(0);
    const quireLines = push.stderr.split("\n").filter((l) => l.startsWith("remote:"));
    expect(quireLines).toHaveLength(1);
    expect(quireLines[0]).toMatch(/^remote: quire: no server is running for .*; push queued for when quire is back \(.*\/spool\/[0-9a-f-]{36}\.json\)/);
    expect((await head())).toBe(sha);
    expect(await git(join(home, "repos", "demo.git"), ["rev-parse", "main"])).toBe(sha);
    expect(await runIds()).toEqual(before);
  });

  it("with the server killed (a stale server.url), the hook spools the event, says so in one line, and the push succeeds", async () => {
    server = await startServer(home);
    await server.kill();
    expect(await stat(join(home, "server.url"))).toBeTruthy();
    const sha = await clone.commit({ "d.txt": "after a crash" });
    const push = await execa("git", ["push", "origin", "main"], { cwd: clone.dir, env: gitEnv, reject: false });
    expect(push.exitCode).toBe(0);
    const quireLines = push.stderr.split("\n").filter((l) => l.startsWith("remote:"));
    expect(quireLines).toHaveLength(1);
    expect(quireLines[0]).toMatch(/^remote: quire: server at http:\/\/127\.0\.0\.1:\d+ unreachable .*; push queued for when quire is back/);
    expect(await git(join(home, "repos", "demo.git"), ["rev-parse", "main"])).toBe(sha);
  });
});
