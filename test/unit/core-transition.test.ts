import { describe, expect, it } from "vitest";
import { isTerminal, planTransition, type TransitionTarget } from "../../core/run/transition.ts";
import { OUTCOMES, RUN_STATES, type Outcome, type RepoName, type RunRecord, type RunState } from "../../core/types.ts";

const NOW = "2026-11-21T10:05:00.000Z";
const lease = { owner: "host:1:abc", expires_at: "2026-11-21T10:05:30.000Z" };

function run(status: RunState): RunRecord {
  return {
    meta: {
      run_id: "0190a000-0000-7000-8000-000000000001",
      repo: "demo.git" as RepoName,
      number: 1,
      sha: "a".repeat(40),
      ref: "refs/heads/main",
      old_sha: "0".repeat(40),
      pushed_at: "2026-11-21T10:00:00Z",
      pipeline: ".quire/ci.ts",
    },
    state: {
      status,
      outcome: null,
      created_at: "2026-11-21T10:00:01.000Z",
      started_at: status === "pending" ? null : "2026-11-21T10:01:00.000Z",
      finished_at: null,
      error: null,
      lease: status === "active" ? lease : null,
      last_job: null,
    },
  };
}

const targetFor = (to: RunState, outcome: Outcome): TransitionTarget | undefined => {
  if (to === "active") return outcome === "succeeded" ? { to, lease } : undefined;
  if (to === "complete") return outcome === "succeeded" ? { to } : undefined;
  if (to === "failed" && outcome !== "succeeded") return { to, outcome };
  return undefined;
};

/** Every (from, to, outcome) that may happen; everything else must be refused. */
const LEGAL = new Set([
  "pending→active",
  "pending→failed:cancelled",
  "pending→failed:superseded",
  "active→complete",
  ...["failed", "errored", "orphaned", "superseded", "cancelled", "timed-out"].map((o) => `active→failed:${o}`),
]);

const cases = RUN_STATES.flatMap((from) =>
  RUN_STATES.flatMap((to) =>
    OUTCOMES.flatMap((outcome) => {
      const target = targetFor(to, outcome);
      if (!target) return [];
      const key = to === "failed" ? `${from}→${to}:${outcome}` : `${from}→${to}`;
      return [{ from, to, outcome, target, key, legal: LEGAL.has(key) }];
    }),
  ),
);

describe("planTransition legality table", () => {
  it("covers every move the target type can express", () => {
    // 4 states × (active + complete + 6 failure outcomes)
    expect(cases).toHaveLength(4 * 8);
    expect(cases.filter((c) => c.legal)).toHaveLength(LEGAL.size);
  });

  it.each(cases)("$key is legal: $legal", ({ from, target, legal, to }) => {
    const planned = planTransition(run(from), target, NOW);
    expect(planned.ok).toBe(legal);
    if (!planned.ok) {
      expect(planned.error).toMatchObject({ code: "illegal_transition", from, to });
      expect(planned.error.message).toContain(`${from} → ${to}`);
    }
  });
});

describe("planTransition results", () => {
  it("starts a pending run with a lease and a start time", () => {
    const planned = planTransition(run("pending"), { to: "active", lease }, NOW);
    expect(planned).toEqual({ ok: true, value: expect.objectContaining({ status: "active", started_at: NOW, lease, outcome: null }) });
  });

  it("completes as succeeded, drops the lease, stamps finished_at", () => {
    const planned = planTransition(run("active"), { to: "complete" }, NOW);
    expect(planned.ok && planned.value).toMatchObject({ status: "complete", outcome: "succeeded", finished_at: NOW, lease: null });
  });

  it("fails with the outcome and error, keeping created_at and started_at", () => {
    const before = run("active");
    const planned = planTransition(before, { to: "failed", outcome: "timed-out", error: "took too long" }, NOW);
    expect(planned.ok && planned.value).toEqual({
      ...before.state,
      status: "failed",
      outcome: "timed-out",
      error: "took too long",
      finished_at: NOW,
      lease: null,
    });
  });

  it("keeps an earlier error when the failure brings none", () => {
    const before = run("active");
    before.state.error = "first";
    const planned = planTransition(before, { to: "failed", outcome: "cancelled" }, NOW);
    expect(planned.ok && planned.value.error).toBe("first");
  });

  it("does not mutate the record it was given", () => {
    const before = run("pending");
    const copy = structuredClone(before);
    planTransition(before, { to: "active", lease }, NOW);
    expect(before).toEqual(copy);
  });

  it("calls complete and failed terminal", () => {
    expect(RUN_STATES.filter(isTerminal)).toEqual(["complete", "failed"]);
  });
});
