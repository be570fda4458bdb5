import { describe, expect, it } from "vitest";
import { DockerCli } from "../adapters/executor/docker-cli.ts";
import type { OutputSink } from "../core/exec-ports.ts";
import { BASE, request, useDocker } from "./docker-fixtures.ts";

const { open } = useDocker();

function ordered(): OutputSink & { seq: string[] } {
  const seq: string[] = [];
  return { seq, write: async (stream, chunk) => void seq.push(`${stream}:${Buffer.from(chunk).toString().replace(/\n/g, "|")}`) };
}

describe("docker output order", () => {
  it.each([
    ["api", new DockerCli()],
    ["cli", new DockerCli(undefined, false)],
  ])("keeps order (%s)", async (_how, cli) => {
    const { session } = await open({ defaultImage: BASE, cli });
    try {
      for (let i = 0; i < 10; i++) {
        const sink = ordered();
        await session.exec(request(["sh", "-c", "echo a; echo b >&2; echo c; echo d >&2; echo e"]), sink);
        console.log(_how, sink.seq.join(" "));
      }
    } finally {
      await session.close();
    }
    expect(true).toBe(true);
  });
});
