import { describe, expect, it } from "vitest";
import { RunEventFeed } from "../../adapters/notify/run-event-feed.ts";
import type { RunEventName } from "../../core/notify/run-status.ts";
import type { RunRecord } from "../../core/types.ts";
import { runAt } from "../support/forge-fixtures.ts";
import { quietLogger } from "../support/outbox-fixtures.ts";

/** A feed over one mutable run, recording what it reports. */
function feedOver(initial: RunRecord | undefined) {
  let run: RunRecord | undefined = initial;
  const reported: [RunEventName, string][] = [];
  const feed = new RunEventFeed({ find: async () => run, observe: (event, seen) => reported.push([event, seen.state.status]), logger: quietLogger });
  return { feed, reported, set: (next: RunRecord | undefined) => (run = next) };
}

describe("run events read from the store", () => {
  it("reports every event a run's state implies, once per status; heartbeats report nothing", async () => {
    const { feed, reported, set } = feedOver(runAt("run.created"));
    await feed.changed("r");
    expect(reported).toEqual([["run.created", "pending"]]);
    set(runAt("run.started"));
    await Promise.all([feed.changed("r"), feed.changed("r"), feed.changed("r")]);
    expect(reported.slice(1)).toEqual([
      ["run.created", "active"],
      ["run.started", "active"],
    ]);
    set(runAt("run.finished", "orphaned"));
    await feed.changed("r");
    expect(reported.slice(3).map(([event]) => event)).toEqual(["run.created", "run.started", "run.finished"]);
    expect(reported.at(-1)).toEqual(["run.finished", "failed"]);
  });

  it("a run finished before it was ever seen reports all three; one never started reports no run.started", async () => {
    const seenLate = feedOver(runAt("run.finished"));
    await seenLate.feed.changed("r");
    expect(seenLate.reported.map(([event]) => event)).toEqual(["run.created", "run.started", "run.finished"]);
    const cancelled = runAt("run.finished", "cancelled");
    const never = feedOver({ ...cancelled, state: { ...cancelled.state, started_at: null } });
    await never.feed.changed("r");
    expect(never.reported.map(([event]) => event)).toEqual(["run.created", "run.finished"]);
  });

  it("a run that is gone, or a store that fails, reports nothing and throws nothing", async () => {
    const gone = feedOver(undefined);
    await gone.feed.changed("r");
    expect(gone.reported).toEqual([]);
    const warned: string[] = [];
    const broken = new RunEventFeed({
      find: async () => Promise.reject(new Error("connection refused")),
      observe: () => expect.unreachable(),
      logger: { ...quietLogger, warn: (_fields, message) => void warned.push(message) },
    });
    await broken.changed("r");
    expect(warned).toEqual(["could not read a changed run for its notifications"]);
  });
});
