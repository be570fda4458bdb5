import { describe, expect, it } from "vitest";
import { runIdsFromPush } from "../support/runs-api.ts";
import { useServedRepo } from "../support/use-served-repo.ts";
import { readSse, type SseBlock } from "../support/sse.ts";

const served = useServedRepo({ config: "sse_heartbeat_seconds: 1\nrun_timeout_minutes: 1\n" });

const logText = (block: SseBlock) => (JSON.parse(block.data ?? "{}") as { line: string }).line.replace(/^\S+ \S+ F /, "");

describe("GET /runs/:ref/events", () => {
  it("gives every event an id, heartbeats through silence, and resumes from Last-Event-ID without repeating a line", async () => {
    await served.clone.commit({
      ".quire/ci.ts": `import { job } from "quire/ci";
job("talk", ["quire/push"], async ({ sh }) => {
  await sh("for i in 1 2 3 4 5; do echo line $i; done; sleep 3; for i in 6 7 8 9 10; do echo line $i; done");
});
`,
    });
    const [id] = runIdsFromPush(await served.clone.push());
    if (!id) throw new Error("no run");

    const first = await served.server.request(`/runs/${id}/events`);
    expect(first.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(first.headers.get("x-accel-buffering")).toBe("no");
    const before = await readSse(first, (_, all) => all.filter((b) => b.event === "log").length === 3);
    expect(before[0]?.retry).toMatch(/^\d+$/);
    const events = before.filter((b) => b.event);
    expect(events.every((b) => typeof b.id === "string" && b.id.length > 0)).toBe(true);
    const lastId = events.at(-1)?.id as string;

    const second = await served.server.request(`/runs/${id}/events`, { headers: { "last-event-id": lastId } });
    const after = await readSse(second, (b) => b.event === "end");
    expect(after.filter((b) => b.event).every((b) => typeof b.id === "string" && b.id.length > 0)).toBe(true);
    const lines = [...before, ...after].filter((b) => b.event === "log").map(logText);
    expect(lines).toEqual(Array.from({ length: 10 }, (_, i) => `line ${i + 1}`));
    // Three silent seconds with a one-second heartbeat: the stream said so with comments.
    expect(after.some((b) => b.comments.includes("keep-alive"))).toBe(true);
    const numbers = [...before, ...after].filter((b) => b.event === "log").map((b) => (JSON.parse(b.data ?? "{}") as { no: number }).no);
    expect(numbers).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(JSON.parse(after.at(-1)?.data ?? "{}")).toEqual({ status: "complete", outcome: "succeeded" });
  });

  it("an id it did not write starts from the first line", async () => {
    const list = (await (await served.server.request("/runs?limit=1")).json()) as { runs: { run_id: string }[] };
    const id = list.runs[0]?.run_id as string;
    const response = await served.server.request(`/runs/${id}/events`, { headers: { "last-event-id": "v1,garbage" } });
    const blocks = await readSse(response, (b) => b.event === "end");
    expect(blocks.filter((b) => b.event === "log").map(logText)[0]).toBe("line 1");
  });
});
