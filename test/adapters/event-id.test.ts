import { describe, expect, it } from "vitest";
import { newEventId } from "../../adapters/ids/event-id.ts";
import { EVENT_ID } from "../../core/intake/event-run-id.ts";

describe("newEventId", () => {
  it("is a UUID v7 carrying the given time, in the shape intake takes", () => {
    const at = Date.UTC(2026, 11, 2, 13, 40, 0, 123);
    const id = newEventId(at);
    expect(id).toMatch(EVENT_ID);
    expect(id[14]).toBe("7");
    expect(["8", "9", "a", "b"]).toContain(id[19]);
    expect(parseInt(id.replaceAll("-", "").slice(0, 12), 16)).toBe(at);
  });

  it("draws fresh random bits each time, and sorts by time", () => {
    const ids = Array.from({ length: 200 }, () => newEventId(1_000));
    expect(new Set(ids).size).toBe(200);
    expect(newEventId(1_001) > newEventId(1_000)).toBe(true);
  });
});
