import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../support/temp-dir.ts";
import { parse } from "yaml";
import { TEMP_MARK } from "../../adapters/storage/atomic-write.ts";
import { FsRunStore } from "../../adapters/storage/fs-run-store.ts";
import { OUTCOMES, RUN_STATES, type RunState } from "../../core/types.ts";
import { WorkClone } from "../support/git.ts";
import { quire, startServer, tempHome, type ServerProcess } from "../support/quire-process.ts";
import { postPush } from "../support/runs-api.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const ZERO = "0".repeat(40);
const src = (path: string) => JSON.stringify(join(ROOT, path));

/**
 * The second writer: creates runs in the same repo through FsRunStore and drives them
 * pending → active → complete/failed as fast as it can, leaving every fourth run active.
 * One JSON line per step on stdout.
 */
const TRANSITIONER = `
import { FsRunStore } from ${src("adapters/storage/fs-run-store.ts")};
import { draftRun } from ${src("core/intake/create-run.ts")};
import { leaseFor } from ${src("core/run/lease.ts")};
import { planTransition } from ${src("core/run/transition.ts")};
import { systemClock } from ${src("adapters/clock/system-clock.ts")};
import { uuidIds } from ${src("adapters/ids/uuid-ids.ts")};
import { processLiveness } from ${src("adapters/liveness/process-liveness.ts")};

const [runsRoot, repo, sha] = process.argv.slice(2);
const store = new FsRunStore(runsRoot);
const owner = processLiveness().self;
const say = (line) => process.stdout.write(JSON.stringify(line) + "\\n");
for (let i = 0; ; i++) {
  const update = { ref: "refs/heads/t" + i, old_sha: "${ZERO}", new_sha: sha };
  let run = await store.createRun(draftRun({ repo, update, pushed_at: systemClock.now(), pipeline: ".quire/ci.ts" }, uuidIds, systemClock));
  say({ id: run.meta.run_id, to: "pending" });
  const targets = [{ to: "active", lease: leaseFor(owner, systemClock) }];
  if (i % 4 !== 3) targets.push(i % 2 ? { to: "complete" } : { to: "failed", outcome: "failed", error: "job failed" });
  for (const target of targets) {
    const next = planTransition(run, target, systemClock.now());
    const moved = await store.moveRun(repo, run.meta.run_id, run.state.status, next.value);
    if (moved.kind !== "moved") throw new Error("lost a move: " + moved.kind);
    run = moved.record;
    say({ id: run.meta.run_id, to: run.state.status });
  }
}
`;

const children: ChildProcess[] = [];
const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  for (const server of servers) await server.kill();
});

/** Posts push events, `concurrency` at a time, until the server stops answering. */
function pushBurst(server: ServerProcess, sha: string, concurrency: number) {
  const acked: string[] = [];
  let sent = 0;
  const worker = async () => {
    for (;;) {
      const ref = `refs/heads/p${sent++}`;
      try {
        const response = await postPush(server, "demo.git", ref, sha);
        if (response.status !== 202) throw new Error(`push answered ${response.status}: ${await response.text()}`);
        const body = (await response.json()) as { runs: { run_id: string }[] };
        acked.push(...body.runs.map((r) => r.run_id));
      } catch (error) {
        if ((error as Error).message.startsWith("push answered")) throw error;
        return; // the server is gone
      }
    }
  };
  const done = Promise.all(Array.from({ length: concurrency }, worker));
  return { acked, done };
}

/** Runs the transitioner; `steps` fills as it reports, `until(n)` resolves once it has made n steps. */
async function startTransitioner(runsRoot: string, sha: string) {
  const script = join(await tempDir("quire-transitioner-"), "transitioner.mts");
  await writeFile(script, TRANSITIONER);
  const child = spawn(process.execPath, ["--import", "tsx", script, runsRoot, "demo.git", sha], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const steps: { id: string; to: RunState }[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    steps.push(JSON.parse(line) as { id: string; to: RunState });
    for (const w of waiters.filter((w) => steps.length >= w.n)) w.resolve();
  });
  const exited = once(child, "exit");
  const until = (n: number) =>
    Promise.race([
      new Promise<void>((resolve) => (steps.length >= n ? resolve() : waiters.push({ n, resolve }))),
      exited.then(() => {
        throw new Error(`transitioner exited: ${stderr}`);
      }),
    ]);
  const kill = async () => {
    child.kill("SIGKILL");
    await exited;
  };
  return { pid: child.pid ?? 0, steps, until, kill, stderr: () => stderr };
}

interface OnDisk {
  id: string;
  state: RunState;
  meta: { run_id: string; number: number; repo: string; sha: string };
  status: { status: RunState; outcome: string | null; finished_at: string | null; lease: { owner: string } | null };
  tempFiles: string[];
}

/** Reads every run directory and checks what must hold whatever the crash interrupted. */
async function inspect(runsRoot: string): Promise<{ runs: OnDisk[]; temps: string[] }> {
  const repoDir = join(runsRoot, "demo.git");
  const top = await readdir(repoDir);
  const temps = top.filter((n) => n.includes(TEMP_MARK) || n === ".tmp").map((n) => join(repoDir, n));
  expect(top.filter((n) => !n.startsWith("."))).toEqual(expect.arrayContaining(["counter.json"]));
  const runs: OnDisk[] = [];
  for (const state of RUN_STATES) {
    for (const id of await readdir(join(repoDir, state)).catch(() => [] as string[])) {
      expect(id).toMatch(/^[0-9a-f-]{36}$/); // nothing but run ids in a state directory
      const dir = join(repoDir, state, id);
      const names = await readdir(dir);
      const tempFiles = (await readdir(dir, { recursive: true })).filter((n) => basename(n).includes(TEMP_MARK));
      expect(tempFiles.filter((n) => !basename(n).startsWith("."))).toEqual([]); // hidden from every listing
      expect(names.filter((n) => !n.startsWith("."))).toEqual(expect.arrayContaining(["meta.yml", "state.yml"]));
      const meta = parse(await readFile(join(dir, "meta.yml"), "utf8")) as OnDisk["meta"];
      const status = parse(await readFile(join(dir, "state.yml"), "utf8")) as OnDisk["status"];
      runs.push({ id, state, meta, status, tempFiles: tempFiles.map((n) => join(dir, n)) });
    }
  }
  return { runs, temps: [...temps, ...runs.flatMap((r) => r.tempFiles)] };
}

const FORWARD: RunState[] = ["pending", "active", "complete"];

/** What must hold for every run, whatever the crash interrupted. */
function checkRuns(runs: OnDisk[], sha: string, acked: string[], steps: { id: string; to: RunState }[]): void {
  const ids = runs.map((r) => r.id);
  // Exactly one state directory per run, and files that agree with it.
  expect(new Set(ids).size).toBe(ids.length);
  for (const run of runs) {
    expect(run.meta.run_id).toBe(run.id);
    expect(run.meta).toMatchObject({ repo: "demo.git", sha });
    expect(run.status.status).toBe(run.state);
    if (run.state === "complete") expect(run.status.outcome).toBe("succeeded");
    if (run.state === "failed") expect(OUTCOMES.filter((o) => o !== "succeeded")).toContain(run.status.outcome);
    if (run.state === "complete" || run.state === "failed") expect(run.status.finished_at).not.toBeNull();
  }
  // Numbers stay unique across both writers and the crash.
  const numbers = runs.map((r) => r.meta.number);
  expect(new Set(numbers).size).toBe(numbers.length);
  // Nothing acknowledged was lost: every run the server answered 202 for, every step the writer reported,
  // and no run went backwards.
  const where = new Map(runs.map((r) => [r.id, r.state]));
  for (const id of acked) expect(where.get(id)).toBeDefined();
  for (const step of steps) {
    const now = where.get(step.id);
    expect(now).toBeDefined();
    if (now !== "failed") expect(FORWARD.indexOf(now ?? "pending")).toBeGreaterThanOrEqual(FORWARD.indexOf(step.to));
  }
}

describe("crash safety", () => {
  it("after SIGKILL of the server and of a second writer mid-burst, a restart leaves every run in one state with valid files", async () => {
    const home = await tempHome();
    const runsRoot = join(home, "runs");
    expect((await quire(["repo", "new", "demo.git", "--home", home])).exitCode).toBe(0);
    const clone = await WorkClone.of(join(home, "repos", "demo.git"));
    const sha = await clone.commit({ ".quire/ci.ts": "export {};" });
    await clone.push(); // no server yet: the hook only warns

    const server = await startServer(home);
    servers.push(server);
    const transitioner = await startTransitioner(runsRoot, sha);
    await transitioner.until(1);
    const burst = pushBurst(server, sha, 4);
    // Both writers are in full flow when the kills land: the server between pushes, the writer between steps.
    await transitioner.until(40);
    while (burst.acked.length < 40) await transitioner.until(transitioner.steps.length + 1);

    await server.kill();
    await transitioner.kill();
    await burst.done;

    const restarted = await startServer(home); // reconciles before it listens
    servers.push(restarted);
    await restarted.stop();

    // The restarted server ran its reconcile, and its runner may have picked pending runs up since.
    const first = await inspect(runsRoot);
    checkRuns(first.runs, sha, burst.acked, transitioner.steps);
    // Temp files name their writer's pid: those of the two killed writers went at the restart's
    // reconcile, however young. Any other may only be a hidden file inside a run directory.
    const killed = [server.child.pid, transitioner.pid].map((pid) => `${TEMP_MARK}${pid}-`);
    expect(first.temps.filter((t) => killed.some((mark) => basename(t).includes(mark)))).toEqual([]);
    expect(first.temps.filter((t) => !/\/(pending|active|complete|failed)\/[0-9a-f-]{36}\/(.+\/)?\.[^/]+$/.test(t))).toEqual([]);

    // With no server running every writer is dead: reconcile (here the CLI) removes every temp file
    // without waiting out the grace period, and fails whatever the stopped server left active.
    const reconciled = await quire(["reconcile", "--home", home]);
    expect(reconciled.exitCode, reconciled.stderr).toBe(0);
    const final = await inspect(runsRoot);
    expect(final.temps).toEqual([]);
    checkRuns(final.runs, sha, burst.acked, transitioner.steps);
    expect(final.runs.filter((r) => r.state === "active")).toEqual([]);
    expect(final.runs.some((r) => r.status.outcome === "orphaned")).toBe(true);
    expect((await new FsRunStore(runsRoot).listRuns()).map((r) => r.meta.run_id).sort()).toEqual(final.runs.map((r) => r.id).sort());
  });
});
