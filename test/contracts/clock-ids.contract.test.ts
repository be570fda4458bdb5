import { describe, expect, it } from "vitest";
import { FakeClock } from "../../adapters/clock/fake-clock.ts";
import { systemClock } from "../../adapters/clock/system-clock.ts";
import { FakeIds } from "../../adapters/ids/fake-ids.ts";
import { uuidIds } from "../../adapters/ids/uuid-ids.ts";
import type { Clock, Ids } from "../../core/ports/clock-ids.ts";
import { RUN_ID_PATTERN } from "../../core/run/run-layout.ts";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe.each([
  ["system clock", (): Clock => systemClock],
  ["fake clock", (): Clock => new FakeClock()],
])("Clock contract: %s", (_name, make) => {
  it("tells ISO-8601 UTC time that never goes backwards", () => {
    const clock = make();
    const a = clock.now();
    const b = clock.now();
    expect(a).toMatch(ISO);
    expect(Date.parse(b)).toBeGreaterThanOrEqual(Date.parse(a));
  });

  it("after(ms) lies ms ahead of now", () => {
    const clock = make();
    const now = Date.parse(clock.now());
    const later = Date.parse(clock.after(30_000));
    expect(later - now).toBeGreaterThanOrEqual(30_000);
    expect(later - now).toBeLessThan(31_000);
  });
});

describe.each([
  ["uuid v7 ids", (): Ids => uuidIds],
  ["fake ids", (): Ids => new FakeIds()],
])("Ids contract: %s", (_name, make) => {
  it("hands out unique run ids that sort in creation order and pass the run-id check", () => {
    const ids = make();
    const made = Array.from({ length: 500 }, () => ids.runId());
    expect(new Set(made).size).toBe(made.length);
    for (const id of made) expect(id).toMatch(RUN_ID_PATTERN);
    expect([...made].sort()).toEqual(made);
  });
});
