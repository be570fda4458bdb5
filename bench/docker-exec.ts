/**
 * One `sh` in a run's container: through the engine API (what the docker executor uses
 * when the engine is on a unix socket) against a `docker exec` process per command (the
 * CLI fallback), interleaved in one container.  Usage: npm run bench -- docker-exec [--execs N]
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { systemClock } from "../adapters/clock/system-clock.ts";
import { DockerCli, SETUP_HINT } from "../adapters/executor/docker-cli.ts";
import { createDockerExecutor } from "../adapters/executor/docker-executor.ts";
import { runApiExec } from "../adapters/executor/docker-exec-api.ts";
import { runDockerExec } from "../adapters/executor/docker-exec-process.ts";
import type { DockerSession } from "../adapters/executor/docker-session.ts";
import type { ExecRequest } from "../core/ports/exec.ts";
import type { RepoName } from "../core/types.ts";
import { intFlag, machineLine, median, stats, verdict } from "./support/stats.ts";

const BASE = "quire-base:busybox";

export async function run(args: string[]): Promise<void> {
  const execs = intFlag(args, "execs", 50);
  const cli = new DockerCli();
  if (!cli.api) throw new Error("the engine is not on a unix socket here: nothing to compare");
  if (!(await cli.imageExists(BASE))) throw new Error(`${BASE} is missing; ${SETUP_HINT}`);
  const workspace = await mkdtemp(join(tmpdir(), "quire-bench-docker-exec-"));
  const opened = await createDockerExecutor({ clock: systemClock, cli, defaultImage: BASE }).open({
    runId: randomUUID(),
    repo: "bench/docker-exec.git" as RepoName,
    workspace,
  });
  if (!opened.ok) throw new Error(opened.error.message);
  const session = opened.value as DockerSession;
  const sink = { write: async () => undefined };
  const time = async (exec: () => Promise<{ exit: number }>) => {
    const started = performance.now();
    const result = await exec();
    if (result.exit !== 0) throw new Error(`exec exited ${result.exit}`);
    return performance.now() - started;
  };
  const viaApi = () => time(() => runApiExec(cli.api!, session.containerId, `bench-${randomUUID()}`, request(), sink));
  const viaCli = () => time(() => runDockerExec({ cli, containerId: session.containerId }, `bench-${randomUUID()}`, request(), sink));
  try {
    await viaApi();
    await viaCli();
    const api: number[] = [];
    const process_: number[] = [];
    for (let i = 0; i < execs; i++) {
      api.push(await viaApi());
      process_.push(await viaCli());
    }
    const ratio = median(process_) / median(api);
    process.stdout.write(
      [
        `sh(["true"]) in a run's container, ${execs} each, interleaved (median / p90 / max, ms)`,
        `  engine API (no client process):  ${stats(api, 1)}`,
        `  a docker exec process:           ${stats(process_, 1)}`,
        "  " + verdict("docker process / engine API (median):", ratio, "> 1 for the API to be the default", ratio > 1),
        machineLine(),
        "",
      ].join("\n"),
    );
  } finally {
    await session.close();
    await rm(workspace, { recursive: true, force: true });
  }
}

function request(): ExecRequest {
  return { argv: ["true"], env: { TOKEN: "not-in-argv" }, cwd: ".", timeoutMs: null, signal: new AbortController().signal };
}
