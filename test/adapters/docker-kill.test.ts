import { describe, expect, it } from "vitest";
import { ContainerError } from "../../core/errors.ts";
import { collector, docker, request, run, strayProcesses, useDocker } from "../support/docker-fixtures.ts";

const { open } = useDocker();

describe("docker executor: stopping commands inside the container", () => {
  it("a cancelled sleep 100 returns within 1 s and leaves no process in the container", async () => {
    const { session, facts } = await open();
    try {
      const controller = new AbortController();
      const sink = collector();
      // Cancel once the command is surely running: it says so on stdout.
      const pending = session.exec(
        request(["sh", "-c", "sleep 100 & sleep 100 & echo started; wait"], { signal: controller.signal }),
        { write: async (stream, chunk) => (await sink.write(stream, chunk), controller.abort()) },
      );
      await expect.poll(() => sink.stdout(), { interval: 10 }).toBe("started\n");
      const cancelledAt = performance.now();
      const result = await pending;
      // Stopped, not waited out (sleep 100), with room for a loaded machine.
      expect(performance.now() - cancelledAt).toBeLessThan(10_000);
      expect(result.reason).toBe("cancelled");
      expect(await strayProcesses(facts().container_id ?? "?")).toEqual([]);
      // The container outlives a cancelled command: the next one runs.
      expect((await run(session, ["echo", "still here"])).stdout).toBe("still here\n");
    } finally {
      await session.close();
    }
  });

  it("a signal aborted before the command starts still stops it", async () => {
    const { session, facts } = await open();
    try {
      const controller = new AbortController();
      controller.abort();
      const started = performance.now();
      const result = await session.exec(request(["sleep", "100"], { signal: controller.signal }), collector());
      expect(result.reason).toBe("cancelled");
      // Stopped, not waited out: far below the command's 100 s, with room for a loaded machine.
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(await strayProcesses(facts().container_id ?? "?")).toEqual([]);
    } finally {
      await session.close();
    }
  });

  it("a timeout kills the command's whole group inside the container", async () => {
    const { session, facts } = await open();
    try {
      const result = await run(session, ["sh", "-c", "(sleep 100; echo never) & sleep 100"], { timeoutMs: 300 });
      expect(result).toMatchObject({ reason: "timed-out", stdout: "" });
      // Killed at its 300 ms timeout, not waited out (sleep 100); the bound leaves room for load.
      expect(result.duration_ms).toBeLessThan(10_000);
      expect(await strayProcesses(facts().container_id ?? "?")).toEqual([]);
    } finally {
      await session.close();
    }
  });

  it("a container that dies under a command makes exec throw container_died, now and later", async () => {
    const { session, facts } = await open();
    try {
      const sink = collector();
      const pending = session.exec(request(["sh", "-c", "echo up; sleep 100"]), sink);
      const outcome = pending.then(() => "resolved", (error: unknown) => error);
      await expect.poll(() => sink.stdout(), { interval: 10 }).toBe("up\n");
      await docker(["kill", facts().container_id ?? "?"]);
      const error = await outcome;
      expect(error).toBeInstanceOf(ContainerError);
      expect(error).toMatchObject({ code: "container_died" });
      await expect(session.exec(request(["true"]), collector())).rejects.toMatchObject({ code: "container_died" });
    } finally {
      await session.close();
    }
  });

  it("closing the session while a command runs ends that command as cancelled, fast", async () => {
    const { session } = await open();
    const sink = collector();
    const pending = session.exec(request(["sh", "-c", "echo up; sleep 100"]), sink);
    await expect.poll(() => sink.stdout(), { interval: 10 }).toBe("up\n");
    const started = performance.now();
    await session.close();
    expect((await pending).reason).toBe("cancelled");
    // Not docker stop's 10 s grace, nor the command's 100 s; room for a loaded machine.
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
