/**
 * CPU time per `sh` call on the host executor, by process: the server, the pipeline child,
 * the sandbox's spawn helper, and the commands it spawned. CPU time, unlike wall time,
 * holds still on a busy machine. Measured as the difference between a job of N calls and
 * a job of none, so startup and teardown cancel out.
 * Usage: npm run bench -- host-exec-cpu [--calls N] [--runs R]
 */
import { readdir, readFile } from "node:fs/promises";
import { startBenchServer } from "./support/bench-server.ts";
import { intFlag, machineLine, median } from "./support/stats.ts";

const pipeline = (calls: number, tag: number) => `import { job } from "quire/ci";
// ${tag}
job("exec", ["quire/push"], async ({ sh }) => {
  for (let i = 0; i < ${calls}; i++) await sh(["true"]);
  return {};
});
`;

/** Clock ticks (USER_HZ, 100 on Linux) → ms. */
const TICK_MS = 10;

interface Cpu { own: number; children: number }

async function cpuOf(pid: number): Promise<Cpu | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  if (stat === undefined) return undefined;
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
  return { own: ((f[11] ?? 0) + (f[12] ?? 0)) * TICK_MS, children: ((f[13] ?? 0) + (f[14] ?? 0)) * TICK_MS };
}

async function findByCmdline(needle: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    // bwrap and setpriv carry the same arguments; only the Node process counts.
    const [program] = cmdline.split("\0");
    if (cmdline.includes(needle) && program !== undefined && !/bwrap|setpriv/.test(program)) found.push(Number(entry));
  }
  return found;
}

export async function run(args: string[]): Promise<void> {
  const calls = intFlag(args, "calls", 200);
  const runs = intFlag(args, "runs", 3);
  const bench = await startBenchServer();
  const server = bench.server.child.pid ?? 0;
  let tag = 0;
  const sample = async (n: number) => {
    const before = await cpuOf(server);
    const id = await bench.pushPipeline(pipeline(n, tag++));
    // The helper and the pipeline child exit with the run: keep their last reading.
    const last = new Map<string, Cpu>();
    let done = false;
    const watch = (async () => {
      while (!done) {
        for (const [name, needle] of [["helper", "host-helper"], ["child", "child-main"]] as const) {
          for (const pid of await findByCmdline(needle)) {
            const cpu = await cpuOf(pid);
            if (cpu && pid !== process.pid) last.set(`${name}:${pid}`, cpu);
          }
        }
        await new Promise((r) => setTimeout(r, 30));
      }
    })();
    await bench.waitSucceeded(id);
    done = true;
    await watch;
    const after = await cpuOf(server);
    const sum = (name: string, pick: (c: Cpu) => number) => [...last].filter(([k]) => k.startsWith(name)).reduce((s, [, c]) => s + pick(c), 0);
    return {
      server: (after?.own ?? 0) - (before?.own ?? 0),
      helper: sum("helper", (c) => c.own),
      commands: sum("helper", (c) => c.children),
      child: sum("child", (c) => c.own),
    };
  };
  try {
    await sample(calls); // warm
    const rows: Record<string, number[]> = { server: [], helper: [], commands: [], child: [] };
    for (let i = 0; i < runs; i++) {
      const full = await sample(calls);
      const empty = await sample(0);
      for (const key of Object.keys(rows)) rows[key]?.push((full[key as keyof typeof full] - empty[key as keyof typeof empty]) / calls);
    }
    const line = (name: string) => `  ${name.padEnd(30)} ${median(rows[name] ?? []).toFixed(2)} ms CPU per call`;
    process.stdout.write(
      [
        `host-exec-cpu: CPU per sh(["true"]), ${calls} calls minus an empty job, median of ${runs}`,
        line("server"),
        line("child"),
        line("helper"),
        line("commands"),
        machineLine(),
        "",
      ].join("\n"),
    );
  } finally {
    await bench.close();
  }
}
