/**
 * Per-run overhead of the docker executor: cached build + container start + one exec +
 * teardown, against a plain `docker run --rm quire-base:busybox true` timed in the same
 * run. Targets: ratio ≤ 2×, teardown < 1 s.  Usage: npm run bench -- docker [--runs N]
 */
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { execa } from "execa";
import { systemClock } from "../adapters/clock/system-clock.ts";
import { DockerCli, SETUP_HINT } from "../adapters/executor/docker-cli.ts";
import { createDockerExecutor } from "../adapters/executor/docker-executor.ts";
import type { ExecRequest } from "../core/ports/exec.ts";
import { imageTag } from "../core/names/image-tag.ts";
import type { RepoName } from "../core/types.ts";

const BASE = "quire-base:busybox";
const REPO = "bench/docker.git" as RepoName;

export async function run(args: string[]): Promise<void> {
  const runsFlag = args.indexOf("--runs");
  const runs = runsFlag === -1 ? 10 : Number(args[runsFlag + 1]);
  if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs takes a whole number ≥ 1");
  const cli = new DockerCli();
  const engine = await cli.engineVersion();
  if (!engine.ok) throw new Error(engine.error.message);
  if (!(await cli.imageExists(BASE))) throw new Error(`${BASE} is missing; ${SETUP_HINT}`);

  const workspace = await mkdtemp(join(tmpdir(), "quire-bench-docker-"));
  await mkdir(join(workspace, ".quire"));
  await writeFile(join(workspace, ".quire", "Dockerfile"), `FROM ${BASE}\nRUN echo baked > /baked\n`);
  const executor = createDockerExecutor({ clock: systemClock, cli });
  const tags: string[] = [];

  const quireRun = async () => {
    const runId = randomUUID();
    tags.push(imageTag(REPO, runId));
    const started = performance.now();
    const opened = await executor.open({ runId, repo: REPO, workspace });
    if (!opened.ok) throw new Error(`${opened.error.code}: ${opened.error.message}`);
    const result = await opened.value.exec(request(["true"]), { write: async () => undefined });
    if (result.exit !== 0) throw new Error(`exec exited ${result.exit}`);
    const closing = performance.now();
    await opened.value.close();
    const ended = performance.now();
    return { total: ended - started, teardown: ended - closing };
  };
  const baselineRun = async () => {
    const started = performance.now();
    await execa(cli.bin, ["run", "--rm", BASE, "true"]);
    return performance.now() - started;
  };

  try {
    await quireRun(); // the first build is not cached: warm it, and docker's own caches
    await baselineRun();
    const ours: number[] = [];
    const teardowns: number[] = [];
    const baseline: number[] = [];
    // Interleaved, so drift on a busy machine hits both sides alike.
    for (let i = 0; i < runs; i++) {
      const sample = await quireRun();
      ours.push(sample.total);
      teardowns.push(sample.teardown);
      baseline.push(await baselineRun());
    }
    const ratio = median(ours) / median(baseline);
    process.stdout.write(
      [
        `docker engine ${engine.value}, ${runs} runs each (median / p90 / max, ms)`,
        `  quire run (cached build + start + exec true + teardown): ${stats(ours)}`,
        `  docker run --rm ${BASE} true:                       ${stats(baseline)}`,
        `  teardown (forced remove, engine API):                    ${stats(teardowns)}`,
        `  ratio (median): ${ratio.toFixed(2)}x  target ≤ 2x  ${ratio <= 2 ? "ok" : "MISSED"}`,
        `  teardown max:   ${Math.max(...teardowns).toFixed(0)} ms  target < 1000 ms  ${Math.max(...teardowns) < 1000 ? "ok" : "MISSED"}`,
        "",
      ].join("\n"),
    );
  } finally {
    await execa(cli.bin, ["image", "rm", ...tags], { reject: false });
    await rm(workspace, { recursive: true, force: true });
  }
}

function request(argv: string[]): ExecRequest {
  return { argv, env: {}, cwd: ".", timeoutMs: null, signal: new AbortController().signal };
}

function median(values: number[]): number {
  return quantile(values, 0.5);
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

function stats(values: number[]): string {
  return [median(values), quantile(values, 0.9), Math.max(...values)].map((v) => v.toFixed(0).padStart(5)).join(" /");
}
