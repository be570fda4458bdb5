/**
 * Push-to-first-command latency through the real server: from the moment the push
 * event was accepted (the run's `created_at`) to the first `sh` of the job starting
 * (its `started_at` in the job receipt). Floor, timed in the same run: Node's startup
 * (`node -e 0`) plus `git archive | tar -x` of the same commit.
 * Target: p50 ≤ 1.5× the floor. Each round also posts one push event straight from the
 * bench, with the repo's hook off, to show what the hook process competing for the CPU costs.
 * The server keeps a spare pipeline child booted between runs (config.yml `pipeline.spare`,
 * on by default); `--no-spare` measures a server with it off.
 * Usage: npm run bench -- latency [--runs N] [--no-spare]
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { git } from "../test/support/git.ts";
import { BENCH_REPO, readJobReceipt, readStateTimes, startBenchServer } from "./support/bench-server.ts";
import { intFlag, machineLine, median, stats, verdict } from "./support/stats.ts";
import { spawnAndWait, timed } from "./support/timing.ts";

const pipeline = (n: number) => `import { job } from "quire/ci";
// push ${n}
job("first", ["quire/push"], async ({ sh }) => {
  await sh(["true"]);
  return {};
});
`;

/** A small project beside the pipeline, so the workspace is not just one file. */
const project: Record<string, string> = Object.fromEntries(
  Array.from({ length: 40 }, (_, i) => [`src/module-${i}.ts`, `export const value${i} = ${i};\n`.repeat(50)]),
);

export async function run(args: string[]): Promise<void> {
  const runs = intFlag(args, "runs", 10);
  const spare = !args.includes("--no-spare");
  const bench = await startBenchServer(spare ? "" : "pipeline: { spare: false }\n");
  const bare = join(bench.home, "repos", BENCH_REPO);
  try {
    const quireRun = async (n: number, direct = false) => {
      const push = direct ? bench.pushPipelineDirect : bench.pushPipeline;
      const id = await push(pipeline(n), n === 0 ? project : {});
      const dir = bench.runDir(await bench.waitSucceeded(id));
      const { created, started } = await readStateTimes(dir);
      const receipt = await readJobReceipt(dir, "first");
      const firstSh = receipt.sh[0];
      const jobStart = receipt.devlt.started_at;
      if (!firstSh || jobStart === null) throw new Error(`run ${id} has no sh call in its receipt`);
      const sh = Date.parse(firstSh.started_at);
      return { total: sh - created, queued: started - created, setup: Date.parse(jobStart) - started, job: sh - Date.parse(jobStart) };
    };
    const floor = async () => {
      const sha = (await git(bench.clone.dir, ["rev-parse", "HEAD"])).trim();
      const target = await mkdtemp(join(tmpdir(), "quire-bench-floor-"));
      try {
        const node = await timed(() => spawnAndWait([process.execPath, "-e", "0"]));
        const archive = await timed(() => spawnAndWait(["sh", "-c", `git --git-dir "${bare}" archive --format=tar ${sha} | tar -x -f - -C "${target}"`]));
        return { node, archive };
      } finally {
        await rm(target, { recursive: true, force: true });
      }
    };

    await quireRun(0); // warm: the server's modules, esbuild's service, the page cache
    await floor();
    const samples: Awaited<ReturnType<typeof quireRun>>[] = [];
    const direct: number[] = [];
    const floors: Awaited<ReturnType<typeof floor>>[] = [];
    // Interleaved, so drift on a busy machine hits both sides alike.
    for (let i = 1; i <= runs; i++) {
      samples.push(await quireRun(i));
      floors.push(await floor());
      direct.push((await quireRun(runs + i, true)).total);
    }
    const total = samples.map((s) => s.total);
    const floorTotal = floors.map((f) => f.node + f.archive);
    const ratio = median(total) / median(floorTotal);
    process.stdout.write(
      [
        `latency: push accepted → first sh started, ${runs} runs, spare pipeline child ${spare ? "on" : "off"} (median / p90 / max, ms)`,
        row("quire", total),
        row("  accepted → run active (queue, move)", samples.map((s) => s.queued)),
        row("  active → job started (workspace, executor, bundle, child, validate)", samples.map((s) => s.setup)),
        row("  job started → first sh (IPC, log open)", samples.map((s) => s.job)),
        row("quire, event posted directly (no hook process running)", direct),
        row("floor: node -e 0 + git archive | tar -x", floorTotal),
        row("  node -e 0", floors.map((f) => f.node)),
        row("  git archive | tar -x", floors.map((f) => f.archive)),
        `  ${verdict("ratio (p50):", ratio, "≤ 1.5x", ratio <= 1.5)}`,
        machineLine(),
        "",
      ].join("\n"),
    );
  } finally {
    await bench.close();
  }
}

const row = (label: string, values: number[]): string => `  ${label.padEnd(70)} ${stats(values)}`;
