/**
 * Log throughput through the real server with the host executor: one job printing
 * 256 MiB of 128-byte lines, timed by its sh duration, while the server process's
 * RSS is watched. Baseline, timed in the same run: the same shell pipeline writing
 * straight to a file next to the logs.
 * Targets: ≥ 40% of the baseline's rate, ≥ 100 MiB/s into the log, < 64 MiB RSS growth of the server.
 * Usage: npm run bench -- logs [--mib N] [--line BYTES]
 */
import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { readJobReceipt, startBenchServer } from "./support/bench-server.ts";
import { mib, statusBytes, watchPeak } from "./support/proc-memory.ts";
import { intFlag, machineLine, verdict } from "./support/stats.ts";
import { spawnAndWait, timed } from "./support/timing.ts";

/** `yes <text> | head -c <bytes>`: lines of `lineBytes` including the newline. */
function printer(bytes: number, lineBytes: number): string {
  const text = "0123456789abcdef".repeat(Math.ceil(lineBytes / 16)).slice(0, lineBytes - 1);
  return `yes ${text} | head -c ${bytes}`;
}

const pipeline = (command: string) => `import { job } from "quire/ci";
job("print", ["quire/push"], async ({ sh }) => {
  await sh(["sh", "-c", ${JSON.stringify(command)}]);
  return {};
});
`;

export async function run(args: string[]): Promise<void> {
  const bytes = intFlag(args, "mib", 256) * 1024 * 1024;
  const lineBytes = intFlag(args, "line", 128, 2);
  const command = printer(bytes, lineBytes);
  // The default log cap (100 MiB) would stop logging part way; the formatted log is larger than the output.
  const capMb = Math.ceil((bytes * 2) / 1024 / 1024) + 64;
  const bench = await startBenchServer(`log_cap_mb: ${capMb}\n`);
  const pid = bench.server.child.pid;
  if (pid === undefined) throw new Error("the server has no pid");
  try {
    // Warm: the server loads its modules and esbuild on the first run, not during the measured one.
    await bench.waitSucceeded(await bench.pushPipeline(pipeline(printer(1024 * 1024, lineBytes))));
    const baselineFile = join(bench.home, "baseline.out");
    const raw = await timed(() => spawnAndWait(["sh", "-c", `${command} > ${baselineFile}`]));
    await rm(baselineFile);

    const before = statusBytes(pid, "VmRSS");
    const peak = watchPeak(pid);
    let peakBytes: number;
    let dir: string;
    try {
      const id = await bench.pushPipeline(pipeline(command));
      dir = bench.runDir(await bench.waitSucceeded(id, 600_000));
    } finally {
      peakBytes = peak.stop();
    }
    const receipt = await readJobReceipt(dir, "print");
    const sh = receipt.sh[0];
    if (!sh || sh.bytes_out !== bytes) throw new Error(`expected ${bytes} bytes of output, the receipt says ${sh?.bytes_out}`);
    const logFile = join(dir, "jobs", "print", "sh-1.log");
    const logBytes = (await stat(logFile)).size;
    const jobFiles = await readdir(join(dir, "jobs", "print"));
    const rate = bytes / 1024 / 1024 / (sh.duration_ms / 1000);
    const rawRate = bytes / 1024 / 1024 / (raw / 1000);
    const growth = peakBytes - before;
    process.stdout.write(
      [
        `logs: ${mib(bytes)} MiB of ${lineBytes}-byte lines through quire serve (host executor)`,
        `  sh duration:            ${sh.duration_ms} ms, ${sh.lines} lines, log file ${mib(logBytes)} MiB (${jobFiles.join(", ")})`,
        `  into the log:           ${rate.toFixed(0)} MiB/s`,
        `  baseline, shell > file: ${rawRate.toFixed(0)} MiB/s (${raw.toFixed(0)} ms); quire reaches ${((rate / rawRate) * 100).toFixed(0)}% of it`,
        `  server RSS:             ${mib(before)} MiB before, ${mib(peakBytes)} MiB peak`,
        `  ${verdict("ratio to shell > file:", (rate / rawRate) * 100, "≥ 40%", rate / rawRate >= 0.4, "%")}`,
        `  ${verdict("throughput:", rate, "≥ 100 MiB/s", rate >= 100, " MiB/s")}`,
        `  ${verdict("RSS growth:", growth / 1024 / 1024, "< 64 MiB", growth < 64 * 1024 * 1024, " MiB")}`,
        machineLine(),
        "",
      ].join("\n"),
    );
  } finally {
    await bench.close();
  }
}
