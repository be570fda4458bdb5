/**
 * Starting lean: what a user waits for and what stays resident.
 *   - `node bin/quire.js serve` command → /health answering, against a bare node http server
 *     started the same way in the same run                                     ≤ 300 ms
 *   - idle RSS, against the same baseline                                       ≤ 60 MB
 *     Idle is after start-up has settled: V8 gives back the pages start-up used only when its
 *     memory reducer runs, some 10–25 s after the last allocation burst, so both servers are
 *     read once their RSS has held still for SETTLED_MS (the reading one second after /health
 *     is printed beside it, for comparison with earlier runs).
 *   - the installed post-receive hook per push (a running server takes the event),
 *     against `node -e 0`                                                       ≤ 1.3×
 * Rounds alternate quire and its baseline, so load on the machine hits both alike; the two
 * only idle side by side, never start together.
 *
 * Usage: npm run bench -- start [--rounds N]
 */
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { quire, QUIRE_BIN } from "../test/support/quire-process.ts";
import { statusBytes } from "./support/proc-memory.ts";
import { intFlag, machineLine, median, verdict } from "./support/stats.ts";

const BUILD = fileURLToPath(new URL("../scripts/build.mjs", import.meta.url));
const BARE_SERVER = `require("node:http").createServer((q, s) => s.end('{"ok":true}')).listen(0, "127.0.0.1", function () { console.log("at http://127.0.0.1:" + this.address().port); });`;
const MB = 1024 * 1024;

interface Started {
  ms: number;
  pid: number;
  stop: () => Promise<void>;
}

interface Idle {
  /** One second after /health answered. */
  earlyBytes: number;
  settledBytes: number;
}

/** RSS held still this long counts as settled; a server still moving after SETTLE_CAP_MS is read as it is. */
const SETTLED_MS = 8_000;
const SETTLE_CAP_MS = 45_000;

/** Spawns a server and times spawn → its /health answering; the caller stops it. */
async function startOnce(args: string[]): Promise<Started> {
  const began = performance.now();
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, QUIRE_LOG_LEVEL: "warn" } });
  const exited = once(child, "exit");
  const stop = async () => {
    child.kill("SIGTERM");
    await exited;
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const match = /at (http:\/\/\S+)/.exec(out);
        if (match?.[1]) resolve(match[1]);
      });
      void exited.then(() => reject(new Error(`${args.join(" ")} exited before it listened`)));
    });
    const health = await fetch(new URL("/health", url));
    if (health.status !== 200) throw new Error(`/health answered ${health.status}`);
    await health.arrayBuffer();
    return { ms: performance.now() - began, pid: child.pid ?? 0, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Idle RSS of servers left alone together: one second in, then once each has held still. */
async function idleRss(pids: number[]): Promise<Idle[]> {
  await sleep(1000);
  const early = pids.map((pid) => statusBytes(pid, "VmRSS"));
  const last = [...early];
  const stillSince = pids.map(() => performance.now());
  const began = performance.now();
  while (performance.now() - began < SETTLE_CAP_MS && stillSince.some((since) => performance.now() - since < SETTLED_MS)) {
    await sleep(1000);
    pids.forEach((pid, i) => {
      const now = statusBytes(pid, "VmRSS");
      if (now !== last[i]) [last[i], stillSince[i]] = [now, performance.now()];
    });
  }
  return pids.map((_, i) => ({ earlyBytes: early[i] ?? 0, settledBytes: last[i] ?? 0 }));
}

async function timeProcess(file: string, args: string[], options: { cwd?: string; input?: string } = {}): Promise<number> {
  const began = performance.now();
  const result = await execa(file, args, { reject: false, ...options });
  const ms = performance.now() - began;
  if (result.exitCode !== 0) throw new Error(`${file} ${args.join(" ")} failed: ${result.stderr}`);
  return ms;
}

export async function run(args: string[]): Promise<void> {
  const rounds = intFlag(args, "rounds", 7);
  execFileSync(process.execPath, [BUILD], { stdio: "inherit" });
  const homes: string[] = [];
  try {
    const quire: { ms: number; idle: Idle }[] = [];
    const bare: { ms: number; idle: Idle }[] = [];
    await (await startOnce(["-e", BARE_SERVER])).stop(); // warm the page cache for both
    for (let round = 0; round < rounds; round++) {
      const home = await mkdtemp(join(tmpdir(), "quire-bench-start-"));
      homes.push(home);
      const b = await startOnce(["-e", BARE_SERVER]);
      const q = await startOnce([QUIRE_BIN, "serve", "--home", home, "--port", "0"]).catch(async (error: unknown) => {
        await b.stop();
        throw error;
      });
      try {
        const [idleB, idleQ] = await idleRss([b.pid, q.pid]);
        bare.push({ ms: b.ms, idle: idleB as Idle });
        quire.push({ ms: q.ms, idle: idleQ as Idle });
      } finally {
        await Promise.all([b.stop(), q.stop()]);
      }
    }
    const startQ = median(quire.map((s) => s.ms));
    const startB = median(bare.map((s) => s.ms));
    const rss = (list: typeof quire, key: keyof Idle) => median(list.map((s) => s.idle[key])) / MB;
    const [rssQ, rssB] = [rss(quire, "settledBytes"), rss(bare, "settledBytes")];
    say(`start (command → /health), median of ${rounds}: quire serve ${startQ.toFixed(0)} ms, bare node http ${startB.toFixed(0)} ms (${(startQ / startB).toFixed(2)}x)`);
    say(`idle RSS (settled), median of ${rounds}: quire serve ${rssQ.toFixed(1)} MB, bare node http ${rssB.toFixed(1)} MB (${(rssQ / rssB).toFixed(2)}x)`);
    say(`  1 s after /health: quire serve ${rss(quire, "earlyBytes").toFixed(1)} MB, bare node http ${rss(bare, "earlyBytes").toFixed(1)} MB`);
    say(verdict("  start", startQ, "≤ 300 ms", startQ <= 300, " ms"));
    say(verdict("  idle RSS", rssQ, "≤ 60 MB", rssQ <= 60, " MB"));
    await hookBench(rounds * 2, homes);
  } finally {
    await Promise.all(homes.map((home) => rm(home, { recursive: true, force: true })));
  }
  say(machineLine());
}

/** The hook as git runs it: the installed script, from the bare repo, with a ref line on stdin. */
async function hookBench(rounds: number, homes: string[]): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), "quire-bench-hook-"));
  homes.push(home);
  await writeFile(join(home, "config.yml"), "");
  const made = await quire(["repo", "new", "bench.git", "--home", home]);
  if (made.exitCode !== 0) throw new Error(`quire repo new failed: ${made.stderr}`);
  const { startServer } = await import("../test/support/quire-process.ts");
  const server = await startServer(home);
  try {
    const repo = join(home, "repos", "bench.git");
    const hook = join(repo, "hooks", "post-receive");
    // A branch deletion: the server records nothing, so the hook's own cost is what is timed.
    const input = `${"1".repeat(40)} ${"0".repeat(40)} refs/heads/gone\n`;
    await timeProcess(hook, [], { cwd: repo, input });
    const hookMs: number[] = [];
    const nodeMs: number[] = [];
    for (let round = 0; round < rounds; round++) {
      nodeMs.push(await timeProcess(process.execPath, ["-e", "0"]));
      hookMs.push(await timeProcess(hook, [], { cwd: repo, input }));
    }
    const ratio = median(hookMs) / median(nodeMs);
    say(`hook per push, median of ${rounds}: ${median(hookMs).toFixed(0)} ms, node -e 0 ${median(nodeMs).toFixed(0)} ms`);
    say(verdict("  hook", ratio, "≤ 1.3x node -e 0", ratio <= 1.3));
  } finally {
    await server.stop();
  }
}

function say(line: string): void {
  process.stdout.write(line + "\n");
}
