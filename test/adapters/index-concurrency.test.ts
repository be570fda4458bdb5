import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../support/temp-dir.ts";
import { createBareRepo } from "../../adapters/git/repo-admin.ts";
import { FsRunStore } from "../../adapters/storage/fs-run-store.ts";
import type { RepoName } from "../../core/types.ts";
import { git, WorkClone } from "../support/git.ts";
import { startServer, tempHome, type ServerProcess } from "../support/quire-process.ts";
import { postPush } from "../support/runs-api.ts";

const REPOS = Array.from({ length: 10 }, (_, i) => (i % 2 ? `team/r${i}.git` : `r${i}.git`));
const PUSHES = 500;
const SIDE_RUNS_PER_REPO = 10;
const src = (path: string) => JSON.stringify(fileURLToPath(new URL(`../../${path}`, import.meta.url)));

/** A second process creating runs in the same home, as `quire ci run` would: fs store + index journal. */
const SIDE_WRITER = `
import { FsRunStore } from ${src("adapters/storage/fs-run-store.ts")};
import { FsRunIndex } from ${src("adapters/index/fs-run-index.ts")};
import { IndexedRunStore } from ${src("adapters/index/indexed-run-store.ts")};
import { systemClock } from ${src("adapters/clock/system-clock.ts")};
import { uuidIds } from ${src("adapters/ids/uuid-ids.ts")};
import { draftRun } from ${src("core/intake/create-run.ts")};
const [root, repos, perRepo, sha] = process.argv.slice(2);
const logger = { info() {}, warn: (o, m) => console.error(m, o), error: (o, m) => console.error(m, o) };
const index = new FsRunIndex(root);
const store = new IndexedRunStore(new FsRunStore(root), index, systemClock, logger);
// loaded and ready: start together with the pushes
process.stdout.write("ready\\n");
await new Promise((resolve) => process.stdin.once("data", resolve));
const made = await Promise.all(repos.split(",").flatMap((repo) => Array.from({ length: Number(perRepo) }, () =>
  store.createRun(draftRun({ repo, update: { ref: "refs/heads/side", old_sha: "0".repeat(40), new_sha: sha }, pushed_at: systemClock.now(), pipeline: ".quire/ci.ts" }, uuidIds, systemClock)))));
await index.settled();
process.stdout.write(String(made.length));
process.stdin.destroy();
`;

let home: string;
let server: ServerProcess;
let sha: string;

beforeAll(async () => {
  home = await tempHome();
  server = await startServer(home);
  // hooks that do nothing: these pushes only seed commits; the test posts the events itself
  for (const repo of REPOS) await createBareRepo(join(home, "repos"), repo as RepoName, "#!/bin/sh\nexit 0\n");
  const clone = await WorkClone.of(join(home, "repos", REPOS[0] as string));
  // A pipeline that fails to bundle: the server still runs every run it creates, but
  // each one ends in milliseconds without a sandbox process, so the test stays light.
  sha = await clone.commit({ ".quire/ci.ts": "job(\n" });
  for (const repo of REPOS) await git(clone.dir, ["push", "--quiet", join(home, "repos", repo), "main"]);
});

afterAll(async () => {
  await server?.kill();
});

describe("run numbers and the index under concurrent writers", () => {
  it(`${PUSHES} pushes at ${REPOS.length} repos while another process creates runs: no gaps, no duplicates, all indexed`, async () => {
    const script = join(await tempDir("quire-side-"), "side-writer.mts");
    await writeFile(script, SIDE_WRITER);
    const side = execa(process.execPath, ["--import", "tsx", script, join(home, "runs"), REPOS.join(","), String(SIDE_RUNS_PER_REPO), sha], {
      reject: false,
      stdin: "pipe",
    });
    await new Promise((resolve) => side.stdout?.once("data", resolve));
    const post = (i: number) => postPush(server, REPOS[i % REPOS.length] as string, `refs/heads/b${i}`, sha);
    side.stdin?.write("go\n");
    const responses = await Promise.all(Array.from({ length: PUSHES }, (_, i) => post(i)));
    const sideResult = await side;
    expect(sideResult.stderr).toBe("");
    expect(sideResult.stdout).toBe(`ready\n${REPOS.length * SIDE_RUNS_PER_REPO}`);
    expect(responses.map((r) => r.status)).toEqual(Array(PUSHES).fill(202));
    for (const r of responses) expect(((await r.json()) as { runs: unknown[] }).runs).toHaveLength(1);

    // the directories: per repo, numbers 1..N exactly once
    const disk = new FsRunStore(join(home, "runs"));
    const onDisk = new Set<string>();
    const perRepo = PUSHES / REPOS.length + SIDE_RUNS_PER_REPO;
    for (const repo of REPOS) {
      const runs = await disk.listRuns({ repo: repo as RepoName });
      expect(runs.map((r) => r.meta.number).sort((a, b) => a - b), repo).toEqual(Array.from({ length: perRepo }, (_, i) => i + 1));
      for (const run of runs) onDisk.add(run.meta.run_id);
    }
    expect(onDisk.size).toBe(PUSHES + REPOS.length * SIDE_RUNS_PER_REPO);

    // the index, as the server serves it: every run once, the same numbers
    const listed: { run_id: string; repo: string; number: number }[] = [];
    let cursor: string | null = null;
    do {
      const response = await server.request(`/runs?limit=500${cursor ? `&cursor=${cursor}` : ""}`);
      const page = (await response.json()) as { runs: typeof listed; next_cursor: string | null };
      listed.push(...page.runs);
      cursor = page.next_cursor;
    } while (cursor);
    expect(listed).toHaveLength(onDisk.size);
    expect(new Set(listed.map((e) => e.run_id))).toEqual(onDisk);
    for (const repo of REPOS) {
      const numbers = listed.filter((e) => e.repo === repo).map((e) => e.number).sort((a, b) => a - b);
      expect(numbers).toEqual(Array.from({ length: perRepo }, (_, i) => i + 1));
    }
    // and every alias resolves to its own run
    const sample = listed.filter((_, i) => i % 97 === 0);
    for (const e of sample) {
      const shown = (await (await server.request(`/runs/${encodeURIComponent(`${e.repo}#${e.number}`)}`)).json()) as { run_id: string };
      expect(shown.run_id).toBe(e.run_id);
    }
  });
});
