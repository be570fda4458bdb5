import { randomUUID } from "node:crypto";
import { mkdir, readdir, rm, utimes } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerCli, SETUP_HINT } from "../../adapters/executor/docker-cli.ts";
import { FsRunStore } from "../../adapters/storage/fs-run-store.ts";
import { imageTag } from "../../core/names/image-tag.ts";
import type { RepoName, RunState, RunStateRecord } from "../../core/types.ts";
import { quire, tempHome } from "../support/quire-process.ts";

const BASE = "quire-base:busybox";
const cli = new DockerCli();
// A repo of its own: images are global to the engine, and --repo keeps this test off everyone else's.
const REPO = `gc-test-${randomUUID().slice(0, 8)}.git` as RepoName;
const DAY = 24 * 60 * 60 * 1000;
let home: string;

const docker = async (args: string[]) => (await execa(cli.bin, args)).stdout.trim();
const imagesOfRepo = async () =>
  (await docker(["images", "--format", "{{.Repository}}:{{.Tag}}", imageTag(REPO, "x").split(":")[0] ?? ""])).split("\n").filter(Boolean).sort();

beforeAll(async () => {
  const engine = await cli.engineVersion();
  if (!engine.ok) throw new Error(`no Docker engine: ${engine.error.message}`);
  if (!(await cli.imageExists(BASE))) throw new Error(`image ${BASE} is missing; ${SETUP_HINT}`);
  home = await tempHome("quire-gc-");
});

afterAll(async () => {
  const left = await imagesOfRepo();
  if (left.length > 0) await docker(["rmi", ...left]);
  await rm(home, { recursive: true, force: true });
});

async function addRun(store: FsRunStore, status: RunState): Promise<string> {
  const runId = randomUUID();
  const now = new Date().toISOString();
  const state: RunStateRecord = {
    status: "pending",
    outcome: null,
    created_at: now,
    started_at: null,
    finished_at: null,
    error: null,
    lease: null,
    last_job: null,
  };
  await store.createRun({
    run_id: runId,
    repo: REPO,
    state,
    meta: (number) => ({ run_id: runId, repo: REPO, number, sha: "a".repeat(40), ref: "refs/heads/main", old_sha: "0".repeat(40), pushed_at: now, pipeline: ".quire/ci.ts" }),
  });
  if (status === "active") {
    await store.moveRun(REPO, runId, "pending", { ...state, status, started_at: now, lease: { owner: "x:1:y", expires_at: new Date(Date.now() + DAY).toISOString() } });
  } else if (status === "complete") {
    await store.moveRun(REPO, runId, "pending", { ...state, status, outcome: "succeeded", started_at: now, finished_at: now });
  }
  return runId;
}

/** An image labelled with `forHome`'s scope, as the docker executor labels what it builds. */
async function labelledImage(forHome: string): Promise<string> {
  const built = await execa(cli.bin, ["build", "--quiet", "--label", `quire.scope=${forHome}`, "-"], { input: `FROM ${BASE}\n` });
  return built.stdout.trim();
}

async function workspaceDir(runId: string, ageDays: number): Promise<string> {
  const dir = join(home, "workspaces", runId);
  await mkdir(join(dir, "src"), { recursive: true });
  const then = new Date(Date.now() - ageDays * DAY);
  await utimes(dir, then, then);
  return dir;
}

describe("quire gc", () => {
  it("removes this repo's run images and leftover workspaces beyond retention, never a live run's", async () => {
    const store = new FsRunStore(join(home, "runs"));
    const active = await addRun(store, "active");
    const done = [await addRun(store, "complete"), await addRun(store, "complete"), await addRun(store, "complete")];
    // Run images carry their home's scope, as the executor builds them; one image, tagged per run.
    const ours = await labelledImage(home);
    for (const runId of [active, ...done]) await docker(["tag", ours, imageTag(REPO, runId)]);
    // Another home on the same engine, same repo name: its image is never this home's to collect.
    const otherHome = await tempHome("quire-gc-other-");
    const theirs = imageTag(REPO, randomUUID());
    await docker(["tag", await labelledImage(otherHome), theirs]);
    await workspaceDir(active, 30);
    await workspaceDir(done[0]!, 30);
    await workspaceDir(done[1]!, 0);
    await mkdir(join(home, "workspaces", ".processes"), { recursive: true });

    const dry = await quire(["gc", "--home", home, "--keep", "1", "--days", "0", "--repo", REPO, "--dry-run"]);
    expect(dry.stderr).toBe("");
    expect(dry.stdout).toContain("gc: would remove 2 image(s) and 1 workspace(s)");
    expect(dry.stdout).not.toContain(theirs);
    expect(await imagesOfRepo()).toHaveLength(5);

    const result = await quire(["gc", "--home", home, "--keep", "1", "--days", "0", "--repo", REPO]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain("gc: removed 2 image(s) and 1 workspace(s)");
    // All tag one image, so one creation time: the tie goes to the greatest ref; the live run's stays besides.
    const newestDone = [...done].map((id) => imageTag(REPO, id)).sort().at(-1)!;
    expect(await imagesOfRepo()).toEqual([imageTag(REPO, active), newestDone, theirs].sort());
    await docker(["rmi", theirs]);
    await rm(otherHome, { recursive: true, force: true });
    expect((await readdir(join(home, "workspaces"))).sort()).toEqual([".processes", active, done[1]!].sort());
    expect(result.stdout).toContain(`removed workspace ${join(home, "workspaces", done[0]!)}`);

    const again = await quire(["gc", "--home", home, "--keep", "1", "--days", "0", "--repo", REPO]);
    expect(again.stdout).toContain("gc: removed 0 image(s) and 0 workspace(s)");
  });

  it("rejects a bad repo name and bad numbers before touching anything", async () => {
    const badRepo = await quire(["gc", "--home", home, "--repo", "../etc"]);
    expect(badRepo.exitCode).toBe(2);
    expect(badRepo.stderr).toContain("repo name");
    const badKeep = await quire(["gc", "--home", home, "--keep", "-1"]);
    expect(badKeep.exitCode).not.toBe(0);
    expect(badKeep.stderr).toContain("--keep");
  });
});
