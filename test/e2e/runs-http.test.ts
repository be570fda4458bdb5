import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { FakeGit } from "../../adapters/git/fake-git.ts";
import { FakeIds } from "../../adapters/ids/fake-ids.ts";
import { fixedLiveness } from "../support/fixed-liveness.ts";
import { silentLogger } from "../../adapters/logger/pino-logger.ts";
import { FsRunFiles } from "../../adapters/logs/fs-run-files.ts";
import { FsLayout } from "../../adapters/storage/fs-layout.ts";
import { indexResolver } from "../../core/index/run-index-resolver.ts";
import { decodeCursor } from "../../core/index/run-index-query.ts";
import type { RunRecord } from "../../core/types.ts";
import { fsLogReader } from "../../adapters/logs/fs-log-reader.ts";
import { memoryDeps } from "../support/memory-deps.ts";
import { createApp } from "../../functions/app.ts";
import { lease, makeRig, sha, type IndexRig } from "../support/index-fixtures.ts";

interface Listing {
  runs: { run_id: string; repo: string; number: number; status: string }[];
  next_cursor: string | null;
}

describe("GET /runs and GET /runs/:ref over the fs index", () => {
  let rig: IndexRig;
  let app: ReturnType<typeof createApp>;
  const runs: RunRecord[] = [];

  beforeAll(async () => {
    rig = await makeRig("fs");
    for (let i = 0; i < 6; i++) runs.push(await rig.run(i < 4 ? "demo.git" : "work/lib.git", i % 2 ? "refs/heads/dev" : "refs/heads/main", sha(`abcdef0${i}`)));
    runs[0] = await rig.move(runs[0]!, { to: "active", lease });
    runs[0] = await rig.move(runs[0]!, { to: "failed", outcome: "failed", error: "boom" });
    const layout = new FsLayout(rig.root as string);
    const dir = layout.runDir(runs[0]!.meta.repo, "failed", runs[0]!.meta.run_id);
    await mkdir(join(dir, "jobs", "test"), { recursive: true });
    await writeFile(join(dir, "jobs", "test", "sh-1.log"), "2026-11-21T10:00:00Z stdout F hi\n");
    await writeFile(join(dir, "jobs", "test", "sh-2.log"), "");
    await writeFile(join(dir, "jobs", "test", "receipt.json"), JSON.stringify({ job: "test", state: "failed", duration_ms: 12 }));
    await mkdir(join(dir, "jobs", "deploy"), { recursive: true });
    await writeFile(join(dir, "jobs", "deploy", "sh-1.log"), "");
    const deps = {
      store: rig.store,
      index: rig.index,
      resolver: indexResolver(rig.index, rig.store),
      files: new FsRunFiles(layout, rig.clock),
      git: new FakeGit(),
      clock: rig.clock,
      ids: new FakeIds(),
      liveness: fixedLiveness("test:1:a"),
      logger: silentLogger,
      hookToken: () => "token",
    };
    app = createApp(memoryDeps({ ...deps, logs: fsLogReader(layout) }));
  });

  const get = async (path: string) => {
    const response = await app.request(path);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const list = async (path: string) => (await get(path)).body as unknown as Listing;
  const idsOf = (listing: Listing) => listing.runs.map((r) => r.run_id);
  const newestFirst = () => runs.map((r) => r.meta.run_id).reverse();

  it("lists newest first, with the index entry fields", async () => {
    const listing = await list("/runs");
    expect(idsOf(listing)).toEqual(newestFirst());
    expect(listing.next_cursor).toBeNull();
    expect(Object.keys(listing.runs[0]!).sort()).toEqual(
      ["last_job", "number", "outcome", "ref", "repo", "run_id", "sha", "status", "updated_at"],
    );
  });

  it.each([
    ["?repo=demo.git", [3, 2, 1, 0]],
    ["?repo=work%2Flib.git", [5, 4]],
    ["?ref=main", [4, 2, 0]],
    ["?repo=demo.git&ref=refs%2Fheads%2Fdev", [3, 1]],
    ["?status=failed", [0]],
    ["?outcome=failed", [0]],
    ["?status=pending&repo=work/lib.git", [5, 4]],
    ["?limit=2", [5, 4]],
  ])("filters %s", async (query, expected) => {
    expect(idsOf(await list(`/runs${query}`))).toEqual(expected.map((i) => runs[i]!.meta.run_id));
  });

  it("pages with an opaque cursor through every run exactly once", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const listing: Listing = await list(`/runs?limit=4${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...idsOf(listing));
      cursor = listing.next_cursor;
      if (cursor) expect(decodeCursor(cursor)).toBe(seen[seen.length - 1]);
    } while (cursor);
    expect(seen).toEqual(newestFirst());
  });

  it.each([
    ["?limit=0", "invalid_query"],
    ["?limit=501", "invalid_query"],
    ["?limit=ten", "invalid_query"],
    ["?status=running", "invalid_query"],
    ["?outcome=great", "invalid_query"],
    ["?ref=a..b", "invalid_query"],
    ["?repo=..%2Fx.git", "invalid_repo"],
    ["?cursor=not-a-cursor", "invalid_cursor"],
    ["?cursor=", "invalid_cursor"],
  ])("answers 400 to %s", async (query, code) => {
    const { status, body } = await get(`/runs${query}`);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: { code } });
  });

  it.each([
    ["its id", () => runs[0]!.meta.run_id],
    ["repo#n", () => "demo.git#1"],
    ["group/repo#n", () => "work/lib.git#2"],
    ["repo@branch", () => "demo.git@main"],
    ["group/repo@full ref", () => "work/lib.git@refs/heads/dev"],
    ["full sha", () => sha("abcdef00")],
    ["sha prefix", () => "abcdef01"],
  ])("shows a run named by %s", async (_, name) => {
    const { status, body } = await get(`/runs/${encodeURIComponent(name())}`);
    expect(status).toBe(200);
    expect(body).toHaveProperty("run_id");
    expect(body.alias).toMatch(/^(demo|work\/lib)\.git#\d+$/);
  });

  it("shows the jobs the run's files record, receipt or not", async () => {
    const { body } = await get(`/runs/${encodeURIComponent("demo.git#1")}`);
    expect(body).toMatchObject({ status: "failed", outcome: "failed", error: "boom", alias: "demo.git#1" });
    expect(body.jobs).toEqual([
      { id: "deploy", receipt: null, logs: [1] },
      { id: "test", receipt: { job: "test", state: "failed", duration_ms: 12 }, logs: [1, 2] },
    ]);
  });

  it("answers 409 with candidates, 404 and 400", async () => {
    expect((await get("/runs/abcdef")).status).toBe(400);
    const clash = await get("/runs/abcdef0");
    expect(clash.status).toBe(409);
    expect(clash.body).toMatchObject({ error: { code: "ambiguous_run_ref" } });
    expect(((clash.body.error as { candidates: string[] }).candidates).length).toBe(6);
    expect(await get(`/runs/${encodeURIComponent("demo.git#9")}`)).toMatchObject({ status: 404, body: { error: { code: "run_not_found" } } });
    expect(await get("/runs/0190a000-0000-7000-8000-00000000ffff")).toMatchObject({ status: 404 });
    expect(await get(`/runs/${encodeURIComponent("demo.git#x")}`)).toMatchObject({ status: 400, body: { error: { code: "invalid_run_ref" } } });
    expect(await get(`/runs/${encodeURIComponent("../../etc.git@main")}`)).toMatchObject({ status: 400 });
  });
});
