/**
 * Push intake throughput: ~2,000 push events through the real HTTP server (fs run store,
 * git CLI adapter, run index) at concurrency ~16, against a floor timed in the same run:
 * the least any durable intake must do per event (one `git cat-file --batch-check` lookup,
 * mkdir, write meta.yml and state.yml, rename into pending/). Target: ≥ 50% of the floor.
 *
 * Usage: npm run bench -- intake [--events N] [--concurrency C] [--rounds R] [--warm W] [--keep] [--cpu-prof DIR]
 *   --warm W        events each side runs untimed first (default 300), so JIT compiling is not timed
 *   --cpu-prof DIR  writes the server's CPU profile there (node --cpu-prof), for a missed target
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, open, rename, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { serve as serveHttp } from "@hono/node-server";
import { execa } from "execa";
import { CatFileBatch } from "./support/cat-file-batch.ts";
import { RawHttpClient } from "./support/raw-http-client.ts";
import { createApp } from "../functions/app.ts";
import { ensureHomeDirs, ensureHookToken, resolveHome, type Home } from "../functions/node/home.ts";
import { loadConfig } from "../functions/node/config.ts";
import { wireHome } from "../functions/node/wire-home.ts";

const REPO = "bench.git";
const ZERO = "0".repeat(40);
const TARGET = 0.5;
const SERVE_FLAG = "--serve-home";
const BENCH_MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));

interface Sample {
  label: string;
  events: number;
  seconds: number;
  latencies: number[];
  /** CPU time (user + system, all threads) the side under test spent, in ms. */
  cpuMs: number;
}

export async function run(args: string[]): Promise<void> {
  if (args[0] === SERVE_FLAG && args[1]) return serveOnly(args[1]);
  const events = intFlag(args, "events", 2000);
  const concurrency = intFlag(args, "concurrency", 16);
  const rounds = intFlag(args, "rounds", 4);
  const keep = args.includes("--keep");
  const home = resolveHome(await mkdtemp(join(tmpdir(), "quire-bench-intake-")));
  let server: IntakeServer | undefined;
  let floor: Floor | undefined;
  try {
    await ensureHomeDirs(home);
    const token = await ensureHookToken(home);
    const gitDir = join(home.repos, REPO);
    const sha = await seedRepo(gitDir);
    const profAt = args.indexOf("--cpu-prof");
    const profile = profAt === -1 ? [] : ["--cpu-prof", "--cpu-prof-dir", args[profAt + 1] ?? "."];
    server = await startIntakeServer(home, token, sha, profile);
    floor = await startFloor(join(home.root, "floor"), gitDir, sha);

    // Both sides warm alike before anything is timed: the JIT compiling quire's larger code while
    // the timed rounds run was a tenth of the server's CPU, which a running server has long paid.
    const warm = intFlag(args, "warm", 300);
    await load(warm, concurrency, floor.one, ownCpuMs);
    await load(warm, concurrency, server.one, server.cpuMs);

    // Interleaved rounds, so a busy machine's drift hits both sides alike.
    const perRound = Math.ceil(events / rounds);
    const ours: Sample[] = [];
    /** The load generator's CPU while quire is timed: it shares the cores with the server. */
    let clientMs = 0;
    const floors: Sample[] = [];
    for (let r = 0; r < rounds; r++) {
      floors.push(await load(perRound, concurrency, floor.one, ownCpuMs));
      const before = ownCpuMs();
      ours.push(await load(perRound, concurrency, server.one, server.cpuMs));
      clientMs += ownCpuMs() - before;
    }
    const quire = merge("quire  HTTP → gate → fs store + index", ours);
    const base = merge("floor  cat-file + mkdir/write/fsync/rename", floors);
    const ratio = rate(quire) / rate(base);
    process.stdout.write(
      [
        `intake: ${quire.events} push events, concurrency ${concurrency}, one repo, ${rounds} interleaved rounds (events/s, p50 / p99 latency)`,
        row(quire),
        row(base),
        `  CPU an event: quire server ${(quire.cpuMs / quire.events).toFixed(2)} ms, floor ${(base.cpuMs / base.events).toFixed(2)} ms (the floor's process, git cat-file not counted on either side); load generator ${(clientMs / quire.events).toFixed(2)} ms`,
        `  per round, quire/floor: ${ours.map((o, i) => `${((rate(o) / rate(floors[i] as Sample)) * 100).toFixed(0)}%`).join(" ")}`,
        `  ratio: ${(ratio * 100).toFixed(0)}% of the floor  target ≥ ${TARGET * 100}%  ${ratio >= TARGET ? "ok" : "MISSED"}`,
        "",
      ].join("\n"),
    );
  } finally {
    await server?.close();
    floor?.close();
    if (keep) process.stdout.write(`home kept at ${home.root}\n`);
    else await rm(home.root, { recursive: true, force: true });
  }
}

interface IntakeServer {
  one: (i: number) => Promise<void>;
  cpuMs: () => number;
  close: () => Promise<void>;
}

/**
 * The server under test runs in a process of its own, as in production, so the load
 * generator does not share its event loop. It is `quire serve`'s wiring (wireHome +
 * createApp on @hono/node-server) without the runner: the bench measures intake, not
 * pipelines executing.
 */
async function startIntakeServer(home: Home, token: string, sha: string, nodeFlags: string[]): Promise<IntakeServer> {
  const child = spawn(process.execPath, [...nodeFlags, "--import", "tsx", BENCH_MAIN, "intake", SERVE_FLAG, home.root], {
    env: { ...process.env, QUIRE_LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = once(child, "exit");
  let clients: RawHttpClient[] = [];
  const close = async () => {
    for (const client of clients) client.close();
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  try {
    const [line] = (await Promise.race([
      once(createInterface({ input: child.stdout }), "line"),
      exited.then(() => Promise.reject(new Error("the intake server exited before it listened"))),
    ])) as [string];
    const url = new URL("/events/push", line);
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    // One kept-alive connection per request in flight, as node:http's agent kept them.
    const idle: RawHttpClient[] = [];
    clients = idle;
    let n = 0;
    const one = async () => {
      const ref = `refs/heads/b${n++}`;
      const body = JSON.stringify({ type: "push", repo: REPO, pushed_at: new Date().toISOString(), refs: [{ ref, old_sha: ZERO, new_sha: sha }] });
      const client = idle.pop() ?? new RawHttpClient(url);
      const { status, text } = await client.post(headers, body);
      idle.push(client);
      const answer = JSON.parse(text) as { runs?: unknown[] };
      if (status !== 202 || answer.runs?.length !== 1) throw new Error(`${ref}: ${status} ${text}`);
    };
    await one(); // warm: JIT, the cat-file process, the index
    const pid = child.pid;
    if (pid === undefined) throw new Error("the intake server has no pid");
    return { one, close, cpuMs: () => procCpuMs(pid) };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The child side of `intake`: serve one home until SIGTERM. */
async function serveOnly(root: string): Promise<void> {
  const home = resolveHome(root);
  const deps = await wireHome(home, await loadConfig(home.config));
  const app = createApp(deps);
  const server = await new Promise<ReturnType<typeof serveHttp>>((resolve, reject) => {
    const s = serveHttp({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
    s.once("error", reject);
  });
  process.once("SIGTERM", () => {
    server.close();
    void deps.close().finally(() => process.exit(0));
  });
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
}

interface Floor {
  one: (i: number) => Promise<void>;
  close: () => void;
}

/** The floor: one cat-file lookup and a durable mkdir + write + fsync + rename of a run record per event. */
async function startFloor(root: string, gitDir: string, sha: string): Promise<Floor> {
  const staging = join(root, ".tmp");
  const pending = join(root, "pending");
  await mkdir(staging, { recursive: true });
  await mkdir(pending, { recursive: true });
  const batch = new CatFileBatch(gitDir, 600_000, () => undefined);
  const meta = `repo: ${REPO}\nsha: ${sha}\nref: refs/heads/main\nold_sha: "${ZERO}"\npipeline: .quire/ci.ts\n`;
  const state = "status: pending\noutcome: null\nstarted_at: null\nfinished_at: null\nerror: null\n";
  let n = 0;
  const one = async () => {
    if ((await batch.lookup(`${sha}:.quire/ci.ts`)) !== "blob") throw new Error("floor: pipeline not found");
    const id = randomUUID();
    const dir = join(staging, id);
    await mkdir(dir);
    await Promise.all([writeSynced(join(dir, "meta.yml"), `run_id: ${id}\nnumber: ${++n}\n${meta}`), writeSynced(join(dir, "state.yml"), state)]);
    await rename(dir, join(pending, id));
  };
  return { one, close: () => batch.close() };
}

async function writeSynced(path: string, data: string): Promise<void> {
  const handle = await open(path, "wx");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Runs `events` calls of `one`, `concurrency` at a time, timing each. */
async function load(events: number, concurrency: number, one: (i: number) => Promise<void>, cpuMs: () => number): Promise<Sample> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < events) {
      const i = next++;
      const started = performance.now();
      await one(i);
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  const cpu = cpuMs();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { label: "", events, seconds: (performance.now() - started) / 1000, latencies, cpuMs: cpuMs() - cpu };
}

function merge(label: string, samples: Sample[]): Sample {
  return {
    label,
    events: samples.reduce((n, s) => n + s.events, 0),
    seconds: samples.reduce((n, s) => n + s.seconds, 0),
    latencies: samples.flatMap((s) => s.latencies),
    cpuMs: samples.reduce((n, s) => n + s.cpuMs, 0),
  };
}

/** A bare repo with one commit that carries a pipeline, made with plumbing. */
async function seedRepo(gitDir: string): Promise<string> {
  const env = { GIT_DIR: gitDir, GIT_INDEX_FILE: `${gitDir}/bench-index`, GIT_AUTHOR_NAME: "bench", GIT_AUTHOR_EMAIL: "bench@quire.invalid", GIT_COMMITTER_NAME: "bench", GIT_COMMITTER_EMAIL: "bench@quire.invalid" };
  await execa("git", ["init", "--quiet", "--bare", gitDir]);
  const blob = (await execa("git", ["hash-object", "-w", "--stdin"], { env, input: "export {};\n" })).stdout.trim();
  await execa("git", ["update-index", "--add", "--cacheinfo", `100644,${blob},.quire/ci.ts`], { env });
  const tree = (await execa("git", ["write-tree"], { env })).stdout.trim();
  const sha = (await execa("git", ["commit-tree", tree, "-m", "bench"], { env })).stdout.trim();
  await execa("git", ["update-ref", "refs/heads/main", sha], { env });
  await rm(env.GIT_INDEX_FILE, { force: true });
  return sha;
}

/** utime + stime of a process, all its threads, from /proc/<pid>/stat. */
function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/** USER_HZ: 100 on every Linux that matters here (getconf CLK_TCK). */
const CLOCK_TICKS = 100;

/** The bench process's own CPU: the floor runs in it, and nothing else does while it runs. */
const ownCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

const rate = (s: Sample) => s.events / s.seconds;

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

function row(s: Sample): string {
  const ms = (v: number) => `${v.toFixed(1).padStart(7)} ms`;
  return `  ${s.label.padEnd(44)} ${rate(s).toFixed(0).padStart(6)} ev/s  p50 ${ms(quantile(s.latencies, 0.5))}  p99 ${ms(quantile(s.latencies, 0.99))}`;
}

function intFlag(args: readonly string[], name: string, fallback: number): number {
  const at = args.indexOf(`--${name}`);
  if (at === -1) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} takes a whole number ≥ 1`);
  return value;
}
