/**
 * Starting lean: what a user waits for and what stays resident.
 *   - `node bin/quire.js serve` command → /health answering, against a bare node http server
 *     started the same way in the same run                                     ≤ 300 ms
 *   - idle RSS of the server one second after it answered, same baseline      ≤ 60 MB
 *   - the installed post-receive hook per push (a running server takes the event),
 *     against `node -e 0`                                                       ≤ 1.3×
 * Rounds alternate quire and its baseline, so load on the machine hits both alike.
 *
 * Usage: npm run bench -- start [--rounds N]
 */
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
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
  rssBytes: number;
}

/** Spawns a server, times spawn → its /health answering, reads its RSS after a second idle, stops it. */
async function startOnce(args: string[]): Promise<Started> {
  const began = performance.now();
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, QUIRE_LOG_LEVEL: "warn" } });
  const exited = once(child, "exit");
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
    const ms = performance.now() - began;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return { ms, rssBytes: statusBytes(child.pid ?? 0, "VmRSS") };
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
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
    const quireStarts: Started[] = [];
    const bareStarts: Started[] = [];
    await startOnce(["-e", BARE_SERVER]); // warm the page cache for both
    for (let round = 0; round < rounds; round++) {
      const home = await mkdtemp(join(tmpdir(), "quire-bench-start-"));
      homes.push(home);
      bareStarts.push(await startOnce(["-e", BARE_SERVER]));
      quireStarts.push(await startOnce([QUIRE_BIN, "serve", "--home", home, "--port", "0"]));
    }
    const startQ = median(quireStarts.map((s) => s.ms));
    const startB = median(bareStarts.map((s) => s.ms));
    const rssQ = median(quireStarts.map((s) => s.rssBytes)) / MB;
    const rssB = median(bareStarts.map((s) => s.rssBytes)) / MB;
    say(`start (command → /health), median of ${rounds}: quire serve ${startQ.toFixed(0)} ms, bare node http ${startB.toFixed(0)} ms (${(startQ / startB).toFixed(2)}x)`);
    say(`idle RSS, median of ${rounds}: quire serve ${rssQ.toFixed(1)} MB, bare node http ${rssB.toFixed(1)} MB (${(rssQ / rssB).toFixed(2)}x)`);
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
