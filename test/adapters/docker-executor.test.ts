import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DockerCli } from "../../adapters/executor/docker-cli.ts";
import { BASE, REPO, collector, containersOf, docker, request, run, useDocker } from "../support/docker-fixtures.ts";

const runningId = (facts: Record<string, string>) => facts.container_id ?? "?";

const { open } = useDocker();

describe("docker executor: one container per run", () => {
  it.each([
    ["through the engine API", new DockerCli()],
    ["through the CLI alone", new DockerCli(undefined, false)],
  ])("runs each command inside the run's container, with its env and cwd, sharing the workspace (%s)", async (_how, cli) => {
    const { session, ws, facts, runId } = await open({ defaultImage: BASE, cli, memoryMb: 64 });
    try {
      const host = await run(session, ["hostname"]);
      expect(host.exit).toBe(0);
      expect(host.stdout.trim()).toBe(facts().container_id?.slice(0, 12));

      await mkdir(join(ws, "sub"));
      const envCwd = await run(session, ["sh", "-c", 'printf "%s|" "$GREETING"; pwd; echo oops >&2; exit 7'], {
        env: { GREETING: "hello world\nsecond line", PATH: "/bin" },
        cwd: "sub",
      });
      expect(envCwd).toMatchObject({ exit: 7, reason: "exited", stdout: "hello world\nsecond line|/work/sub\n", stderr: "oops\n" });

      expect((await run(session, ["sh", "-c", "echo made-inside > sub/out.txt"])).exit).toBe(0);
      expect((await run(session, ["cat", "sub/out.txt"])).stdout).toBe("made-inside\n");
      expect(await readFile(join(ws, "sub", "out.txt"), "utf8")).toBe("made-inside\n");
      expect(await docker(["inspect", "--format", "{{.HostConfig.Memory}}", runningId(facts())])).toBe(String(64 * 1024 * 1024));
    } finally {
      await session.close();
    }
    expect(await containersOf(runId)).toEqual([]);
  });

  it("applies limits, no network and run labels, streams large output whole, records the lifecycle", async () => {
    const opened = await open({ defaultImage: BASE, memoryMb: 128, cpus: 1 });
    try {
      const big = await run(opened.session, ["seq", "1", "200000"]);
      expect(big.stdout.split("\n").length).toBe(200_001);
      expect(big.stdout.endsWith("199999\n200000\n")).toBe(true);

      const interfaces = await run(opened.session, ["ls", "/sys/class/net"]);
      expect(interfaces.stdout.trim()).toBe("lo");
      const config = await docker([
        "inspect",
        "--format",
        '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{index .Config.Labels "quire.run-id"}} {{index .Config.Labels "quire.repo"}}',
        opened.facts().container_id ?? "?",
      ]);
      expect(config).toBe(`${128 * 1024 * 1024} 1000000000 ${opened.runId} ${REPO}`);
    } finally {
      await opened.session.close();
    }
    const facts = opened.facts();
    expect(Object.keys(facts).sort()).toEqual(["container_id", "container_started_at", "container_stopped_at", "image_tag"]);
    expect(facts.image_tag).toBe(BASE);
    expect(facts.container_started_at! <= facts.container_stopped_at!).toBe(true);
  });

  it("closes fast and for good: the container is gone, a second close is harmless, exec refuses", async () => {
    const { session, runId } = await open();
    const started = performance.now();
    await session.close();
    // Not docker stop's 10 s grace; room for a loaded machine.
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await containersOf(runId)).toEqual([]);
    await session.close();
    await expect(session.exec(request(["true"]), collector())).rejects.toMatchObject({ code: "session_closed" });
  });
});
