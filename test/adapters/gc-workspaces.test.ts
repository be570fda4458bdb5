import { mkdir, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { systemClock } from "../../adapters/clock/system-clock.ts";
import { DockerCli } from "../../adapters/executor/docker-cli.ts";
import { collectGarbage } from "../../adapters/gc/collect-garbage.ts";
import { RunImages, isoFromDocker } from "../../adapters/gc/run-images.ts";
import { UNKNOWN_REPO } from "../../adapters/gc/workspace-dirs.ts";
import { FsRunStore } from "../../adapters/storage/fs-run-store.ts";
import { tempDir } from "../support/temp-dir.ts";

const DAY = 24 * 60 * 60 * 1000;
const roots: string[] = [];

afterEach(async () => {
  for (const root of roots.splice(0)) await rm(root, { recursive: true, force: true });
});

async function home(): Promise<{ runs: string; workspaces: string }> {
  const root = await tempDir("quire-gc-ws-");
  roots.push(root);
  return { runs: join(root, "runs"), workspaces: join(root, "workspaces") };
}

async function leftover(root: string, name: string, ageDays: number): Promise<void> {
  const dir = join(root, name);
  await mkdir(join(dir, "node_modules", "deep"), { recursive: true });
  await writeFile(join(dir, "node_modules", "deep", "file.js"), "x");
  const then = new Date(Date.now() - ageDays * DAY);
  await utimes(dir, then, then);
}

describe("gc of leftover workspaces", () => {
  it("removes old workspaces of unknown runs, keeps young ones and bookkeeping dirs", async () => {
    const { runs, workspaces } = await home();
    await leftover(workspaces, "0196f1c2-0000-7000-8000-000000000001", 40);
    await leftover(workspaces, "0196f1c2-0000-7000-8000-000000000002", 20);
    await leftover(workspaces, "0196f1c2-0000-7000-8000-000000000003", 1);
    await mkdir(join(workspaces, ".processes"));
    const report = await collectGarbage(
      { store: new FsRunStore(runs), clock: systemClock, workspacesRoot: workspaces },
      { keepLast: 0, keepDays: 7, dryRun: false },
    );
    expect(report.removed.map((item) => item.runId).sort()).toEqual([
      "0196f1c2-0000-7000-8000-000000000001",
      "0196f1c2-0000-7000-8000-000000000002",
    ]);
    expect(report.removed.every((item) => item.group === UNKNOWN_REPO)).toBe(true);
    expect((await readdir(workspaces)).sort()).toEqual([".processes", "0196f1c2-0000-7000-8000-000000000003"]);
    expect(report.imagesSkipped).toBe("no docker");
  });

  it("a home without a workspaces dir has nothing to collect", async () => {
    const { runs, workspaces } = await home();
    const report = await collectGarbage(
      { store: new FsRunStore(runs), clock: systemClock, workspacesRoot: workspaces },
      { keepLast: 0, keepDays: 0, dryRun: false },
    );
    expect(report).toMatchObject({ removed: [], kept: [], failed: [] });
  });

  it("without a docker CLI, images are skipped with a reason and workspaces are still collected", async () => {
    const { runs, workspaces } = await home();
    await leftover(workspaces, "0196f1c2-0000-7000-8000-000000000009", 40);
    const images = new RunImages(new DockerCli(join(workspaces, "no-such-docker")));
    const report = await collectGarbage(
      { store: new FsRunStore(runs), clock: systemClock, workspacesRoot: workspaces, images },
      { keepLast: 0, keepDays: 7, dryRun: false },
    );
    expect(report.removed).toHaveLength(1);
    expect(report.imagesSkipped).toContain("scripts/setup-docker.sh");
  });

  it("reads docker's CreatedAt dates, and refuses ones it cannot read", () => {
    expect(isoFromDocker("2026-11-21 23:47:04 +0000 UTC")).toBe("2026-11-21T23:47:04.000Z");
    expect(isoFromDocker("2026-11-21 23:47:04 +0200 CEST")).toBe("2026-11-21T21:47:04.000Z");
    expect(isoFromDocker("3 days ago")).toBeUndefined();
  });
});
