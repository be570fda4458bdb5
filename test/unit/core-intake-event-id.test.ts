import { describe, expect, it } from "vitest";
import { FakeClock } from "../../adapters/clock/fake-clock.ts";
import { FakeGit } from "../../adapters/git/fake-git.ts";
import { FakeIds } from "../../adapters/ids/fake-ids.ts";
import { MemoryRunStore } from "../../adapters/storage/memory-run-store.ts";
import { eventRunId } from "../../core/intake/event-run-id.ts";
import { acceptPush } from "../../core/intake/intake.ts";
import { acceptEvent } from "../../functions/http/accept-event.ts";

const sha = (n: number) => n.toString(16).padStart(40, "a");
const EVENT_ID = "01900000-0000-7000-8000-0000000ab000";

function world() {
  const git = new FakeGit().commit("demo.git", sha(1), [".quire/ci.ts"]).commit("demo.git", sha(2), ["README.md"]);
  return { store: new MemoryRunStore(), git, ids: new FakeIds(), clock: new FakeClock() };
}

const event = (event_id?: string) => ({
  type: "push",
  ...(event_id === undefined ? {} : { event_id }),
  repo: "demo.git",
  pushed_at: "2026-11-21T10:00:00Z",
  refs: [
    { ref: "refs/heads/docs", old_sha: "0".repeat(40), new_sha: sha(2) },
    { ref: "refs/heads/main", old_sha: "0".repeat(40), new_sha: sha(1) },
    { ref: "refs/heads/next", old_sha: "0".repeat(40), new_sha: sha(1) },
  ],
});

describe("intake of events with an id", () => {
  it("names each run after the event and the ref's place in it", async () => {
    const result = await acceptPush(world(), event(EVENT_ID));
    if (result.kind !== "accepted") throw new Error(result.kind);
    expect(result.runs.map((r) => r.meta.run_id)).toEqual([eventRunId(EVENT_ID, 1), eventRunId(EVENT_ID, 2)]);
    expect(eventRunId(EVENT_ID, 2)).toBe("01900000-0000-7000-8000-0000000ab002");
  });

  it("creates nothing the second time the same event arrives, and says which runs it has", async () => {
    const deps = world();
    const first = await acceptPush(deps, event(EVENT_ID));
    const again = await acceptPush(deps, event(EVENT_ID));
    if (first.kind !== "accepted" || again.kind !== "accepted") throw new Error("not accepted");
    expect(again.runs).toEqual([]);
    expect(again.already.map((r) => r.meta.run_id)).toEqual(first.runs.map((r) => r.meta.run_id));
    expect(await deps.store.listRuns()).toHaveLength(2);
  });

  it("creates each run once when two deliveries of one event overlap", async () => {
    const deps = world();
    const results = await Promise.all([acceptEvent(deps, event(EVENT_ID)), acceptEvent(deps, event(EVENT_ID))]);
    expect(results.map((r) => (r.kind === "accepted" ? r.runs.length : -1)).sort()).toEqual([0, 2]);
    expect(await deps.store.listRuns()).toHaveLength(2);
  });

  it("without an id, every delivery is a new push", async () => {
    const deps = world();
    await acceptPush(deps, event());
    await acceptPush(deps, event());
    expect(await deps.store.listRuns()).toHaveLength(4);
  });

  it("refuses an id that is not a lowercase UUID, writing nothing", async () => {
    const deps = world();
    const result = await acceptPush(deps, event("../../etc"));
    expect(result).toMatchObject({ kind: "invalid", error: { code: "invalid_event", message: expect.stringContaining("event_id") } });
    expect(await deps.store.listRuns()).toEqual([]);
  });
});
