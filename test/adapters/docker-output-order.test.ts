import { describe, expect, it } from "vitest";
import { DockerCli } from "../../adapters/executor/docker-cli.ts";
import type { OutputSink, StreamName } from "../../core/ports/exec.ts";
import { BASE, request, run, useDocker } from "../support/docker-fixtures.ts";

const { open } = useDocker();

/** Every line with the stream it came on, in the order the sink was given them. */
function lineSink(): OutputSink & { lines: () => string[] } {
  const parts: { stream: StreamName; text: string }[] = [];
  return {
    write: async (stream, chunk) => void parts.push({ stream, text: Buffer.from(chunk).toString() }),
    lines: () => parts.flatMap((p) => p.text.split("\n").filter(Boolean).map((line) => `${p.stream}:${line}`)),
  };
}

describe.each([
  ["through the engine API", () => new DockerCli()],
  ["through the CLI alone", () => new DockerCli(undefined, false)],
])("docker output keeps the order it was written in (%s)", (_how, makeCli) => {
  // Lines a few milliseconds apart: without the multiplexer docker delivered some stderr lines
  // first even so. Writes to the two pipes in the same instant have no order to keep (the
  // host executor reads two pipes as well).
  it("a stderr line between stdout lines stays between them, every time; exits and errors as before", async () => {
    const { session } = await open({ defaultImage: BASE, cli: makeCli() });
    try {
      for (let i = 0; i < 10; i++) {
        const sink = lineSink();
        const result = await session.exec(request(["sh", "-c", "echo a; sleep 0.005; echo b >&2; sleep 0.005; echo c; sleep 0.005; echo d >&2; sleep 0.005; echo e"]), sink);
        expect(result.exit).toBe(0);
        expect(sink.lines()).toEqual(["stdout:a", "stderr:b", "stdout:c", "stderr:d", "stdout:e"]);
      }
      const sink = lineSink();
      await session.exec(request(["sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do echo out$i; sleep 0.005; echo err$i >&2; sleep 0.005; done"]), sink);
      expect(sink.lines()).toEqual(Array.from({ length: 10 }, (_, i) => [`stdout:out${i + 1}`, `stderr:err${i + 1}`]).flat());

      // The multiplexer is invisible otherwise: exit codes, signals, missing commands, big output.
      expect(await run(session, ["sh", "-c", "echo partial; exit 7"])).toMatchObject({ exit: 7, stdout: "partial\n", stderr: "" });
      expect((await run(session, ["sh", "-c", "kill -TERM $$"])).exit).toBe(143);
      const missing = await run(session, ["no-such-command"]);
      expect(missing.exit).toBe(127);
      expect(missing.stderr).toMatch(/no-such-command/);
      const big = await run(session, ["sh", "-c", "seq 1 100000; seq 1 1000 >&2"]);
      expect(big.stdout.split("\n").length).toBe(100_001);
      expect(big.stderr.split("\n").length).toBe(1_001);
    } finally {
      await session.close();
    }
  });
});
