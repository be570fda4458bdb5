/**
 * Per-call cost of `sh` on the host executor, through the real server: one job making
 * N sequential `sh(["true"])` calls, timed from the first call's start to the last
 * call's end as the job receipt records them. Baselines, timed in the same run: a shell
 * loop spawning `true` N times, and N sequential Node `spawn("true")` calls.
 * Target: ≤ 1.5× the shell loop.  Usage: npm run bench -- host-exec [--calls N] [--runs R]
 */
import { startBenchServer, readJobReceipt } from "./support/bench-server.ts";
import { intFlag, machineLine, median, stats, verdict } from "./support/stats.ts";
import { spawnAndWait, timed } from "./support/timing.ts";

const pipeline = (calls: number) => `import { job } from "quire/ci";
job("exec", ["quire/push"], async ({ sh }) => {
  for (let i = 0; i < ${calls}; i++) await sh(["true"]);
  return {};
});
`;

export async function run(args: string[]): Promise<void> {
  const calls = intFlag(args, "calls", 200);
  const runs = intFlag(args, "runs", 3);
  const bench = await startBenchServer();
  try {
    const quireRun = async () => {
      const id = await bench.pushPipeline(pipeline(calls));
      const receipt = await readJobReceipt(bench.runDir(await bench.waitSucceeded(id)), "exec");
      const first = receipt.sh[0];
      const last = receipt.sh.at(-1);
      if (receipt.sh.length !== calls || !first || !last) throw new Error(`expected ${calls} sh calls, the receipt has ${receipt.sh.length}`);
      const span = Date.parse(last.started_at) + last.duration_ms - Date.parse(first.started_at);
      const inExecutor = receipt.sh.reduce((sum, sh) => sum + sh.duration_ms, 0);
      return { span, inExecutor, job: receipt.duration_ms };
    };
    const shellLoop = () => timed(() => spawnAndWait(["sh", "-c", `for i in $(seq ${calls}); do /bin/true; done`]));
    const nodeSpawns = () =>
      timed(async () => {
        for (let i = 0; i < calls; i++) await spawnAndWait(["true"]);
      });

    await quireRun(); // warm: tsx, esbuild's service and the page cache
    await shellLoop();
    await nodeSpawns();
    const ours: number[] = [];
    const executor: number[] = [];
    const jobs: number[] = [];
    const shell: number[] = [];
    const node: number[] = [];
    // Interleaved, so drift on a busy machine hits every side alike.
    for (let i = 0; i < runs; i++) {
      const sample = await quireRun();
      ours.push(sample.span);
      executor.push(sample.inExecutor);
      jobs.push(sample.job);
      shell.push(await shellLoop());
      node.push(await nodeSpawns());
    }
    const vsShell = median(ours) / median(shell);
    const vsNode = median(ours) / median(node);
    process.stdout.write(
      [
        `host-exec: ${calls} sequential sh(["true"]) in one job, ${runs} runs each (median / p90 / max, ms)`,
        `  quire, first sh start → last sh end:      ${stats(ours)}   (${(median(ours) / calls).toFixed(2)} ms per call)`,
        `    of which inside the executor (Σ sh):   ${stats(executor)}`,
        `    job duration (receipt):                ${stats(jobs)}`,
        `  shell loop spawning /bin/true:           ${stats(shell)}`,
        `  Node spawn("true") sequentially:         ${stats(node)}`,
        `  ${verdict("ratio vs shell loop:", vsShell, "≤ 1.5x", vsShell <= 1.5)}`,
        `  ratio vs Node spawn:  ${vsNode.toFixed(2)}x`,
        machineLine(),
        "",
      ].join("\n"),
    );
  } finally {
    await bench.close();
  }
}
