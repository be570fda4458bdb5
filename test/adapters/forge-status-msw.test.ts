import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { delay, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { forgeStatus } from "../../adapters/forge/forge-status.ts";
import type { Outbox } from "../../core/outbox/outbox.ts";
import type { RunEventName } from "../../core/notify/run-status.ts";
import { OUTCOMES } from "../../core/types.ts";
import { created, FORGE_CASES, recordForge, RUN_URL, runAt, SHA, statusDrafts, type ForgeCase } from "../support/forge-fixtures.ts";
import { FakeClock, fsOutbox } from "../support/outbox-fixtures.ts";
import { withTempDir } from "../support/temp-dir.ts";
import { mockHttp } from "../support/msw.ts";

const TOKEN = "forge-token-value-0c9e1f";
const mock = mockHttp();


const outboxOn = (dir: string, clock: FakeClock, timeoutMs = 2_000) => fsOutbox(dir, clock, { secrets: { "forge-token": TOKEN }, forge: forgeStatus(timeoutMs) });

const withDir = <T>(work: (dir: string) => Promise<T>): Promise<T> => withTempDir("quire-forge-", work);

/** Every file of the outbox, concatenated: what a restart reads and what must hold no token. */
async function outboxText(dir: string): Promise<string> {
  const names = await readdir(dir);
  return (await Promise.all(names.map((n) => readFile(join(dir, n), "utf8")))).join("\n");
}

/** One run event through the outbox, waiting until its attempt settled. */
async function post(outbox: Outbox, c: ForgeCase, event: RunEventName, run = runAt(event)) {
  const [queued] = await outbox.enqueue(statusDrafts(c, event, run));
  await outbox.idle();
  return queued!;
}

describe.each(FORGE_CASES)("$forge commit statuses", (c) => {
  it("a run's life posts pending, running and the outcome with the forge's path, auth, headers and JSON body", () =>
    withDir(async (dir) => {
      const seen = recordForge(mock, created);
      const { outbox } = await outboxOn(dir, new FakeClock());
      for (const event of ["run.created", "run.started", "run.finished"] as const) {
        const queued = await post(outbox, c, event);
        expect(outbox.get(queued.id)).toMatchObject({ status: "delivered", attempts: 1, last: { status: 201 } });
      }
      expect(seen).toHaveLength(3);
      const descriptions = ["demo.git#7 is queued", "demo.git#7 is running", "demo.git#7 succeeded"];
      const states = [c.states.created, c.states.started, c.states.succeeded];
      seen.forEach((request, i) => {
        expect(request.method).toBe("POST");
        expect(request.url).toBe(c.url(SHA));
        expect(request.headers).toMatchObject(c.headers(TOKEN));
        expect(request.body).toEqual(c.body(states[i]!, descriptions[i]!, RUN_URL));
      });
      // Only the forge's own auth header carries the token, and the outbox has it by name only.
      for (const request of seen) {
        const carrying = Object.entries(request.headers).filter(([, value]) => value.includes(TOKEN));
        expect(carrying.map(([name]) => name)).toEqual([c.forge === "gitlab" ? "private-token" : "authorization"]);
      }
      const text = await outboxText(dir);
      expect(text).toContain('"token": "forge-token"');
      expect(text).not.toContain(TOKEN);
    }));

  it("every outcome, cancelled, superseded and orphaned included, maps to the forge's nearest state", () =>
    withDir(async (dir) => {
      const seen = recordForge(mock, created);
      const { outbox } = await outboxOn(dir, new FakeClock());
      for (const [i, outcome] of OUTCOMES.entries()) {
        await post(outbox, c, "run.finished", runAt("run.finished", outcome, 20 + i));
      }
      const posted = seen.map((s) => (s.body as { state: string; description: string }));
      expect(posted.map((p) => p.state)).toEqual(OUTCOMES.map((o) => c.states[o]));
      expect(posted.map((p) => p.description)).toEqual(OUTCOMES.map((o, i) => `demo.git#${20 + i} ${o}`));
    }));

  it("a 4xx is given up at once with the forge's reason, the token redacted from it", () =>
    withDir(async (dir) => {
      // A forge that echoes the credential it refused must not put it in the outbox.
      const seen = recordForge(mock, () => HttpResponse.json({ message: `token ${TOKEN} lacks the repo:status scope` }, { status: 403 }));
      const { outbox, timers } = await outboxOn(dir, new FakeClock());
      const queued = await post(outbox, c, "run.created");
      timers.advance(48 * 3_600_000);
      await outbox.idle();
      expect(seen).toHaveLength(1);
      const settled = outbox.get(queued.id)!;
      expect(settled).toMatchObject({ status: "failed", next_attempt_at: null, last: { result: "give-up", status: 403 } });
      expect(settled.last?.message).toContain("lacks the repo:status scope");
      expect(settled.last?.message).toContain("{{ forge-token }}");
      expect(await outboxText(dir)).not.toContain(TOKEN);
    }));

  it("5xx and timeouts are retried with growing waits until the forge takes the same request", () =>
    withDir(async (dir) => {
      const answers = [
        async () => HttpResponse.json({ message: "bad gateway" }, { status: 502 }),
        async () => (await delay(1_000), created()),
        async () => created(),
      ];
      const seen = recordForge(mock, (_, n) => answers[n - 1]!());
      const clock = new FakeClock();
      const { outbox, timers } = await outboxOn(dir, clock, 150);
      const queued = await post(outbox, c, "run.started");
      const first = outbox.get(queued.id)!;
      expect(first).toMatchObject({ status: "pending", attempts: 1, last: { result: "retry", status: 502 } });
      expect(Date.parse(first.next_attempt_at!) - Date.parse(clock.now())).toBe(7_500);
      timers.advance(7_500);
      await outbox.idle();
      const second = outbox.get(queued.id)!;
      expect(second).toMatchObject({ status: "pending", attempts: 2, last: { result: "retry" } });
      expect(second.last?.message).toContain("no answer within 150 ms");
      expect(Date.parse(second.next_attempt_at!) - Date.parse(clock.now())).toBe(15_000);
      timers.advance(15_000);
      await outbox.idle();
      expect(outbox.get(queued.id)).toMatchObject({ status: "delivered", attempts: 3 });
      expect(seen).toHaveLength(3);
      expect(new Set(seen.map((s) => JSON.stringify([s.url, s.body])))).toEqual(new Set([JSON.stringify([c.url(SHA), seen[0]!.body])]));
    }));

  it("a restart in the middle of the retry schedule posts the status once, after the restart", () =>
    withDir(async (dir) => {
      let up = false;
      const taken: unknown[] = [];
      recordForge(mock, (request) => {
        if (!up) return new HttpResponse("upstream down", { status: 503 });
        taken.push(request.body);
        return created();
      });
      const clock = new FakeClock();
      const first = await outboxOn(dir, clock);
      const queued = await post(first.outbox, c, "run.finished", runAt("run.finished", "cancelled"));
      first.timers.advance(7_500);
      await first.outbox.idle();
      expect(first.outbox.get(queued.id)).toMatchObject({ status: "pending", attempts: 2, last: { status: 503 } });
      await first.outbox.stop();

      up = true;
      clock.advance(60_000);
      const second = await outboxOn(dir, clock);
      // The same run event seen again after the restart records nothing new.
      expect(await second.outbox.enqueue(statusDrafts(c, "run.finished", runAt("run.finished", "cancelled")))).toEqual([]);
      await second.outbox.idle();
      expect(taken).toHaveLength(1);
      expect(taken[0]).toMatchObject({ state: c.states.cancelled });
      expect(second.outbox.get(queued.id)).toMatchObject({ status: "delivered", attempts: 3 });
      second.timers.advance(48 * 3_600_000);
      await second.outbox.idle();
      expect(taken).toHaveLength(1);
    }));
});

describe("gitlab refuses a state its status already has", () => {
  const gitlab = FORGE_CASES.find((c) => c.forge === "gitlab")!;
  const refusal = (via: string, from: string) =>
    HttpResponse.json({ message: `Cannot transition status via :${via} from :${from} (Reason(s): Status cannot transition via "${via}")` }, { status: 400 });

  it("a retry after a timed-out attempt that did arrive counts as delivered", () =>
    withDir(async (dir) => {
      const seen = recordForge(mock, async (_, n) => (n === 1 ? (await delay(1_000), created()) : refusal("run", "running")));
      const { outbox, timers } = await outboxOn(dir, new FakeClock(), 150);
      const queued = await post(outbox, gitlab, "run.started");
      expect(outbox.get(queued.id)).toMatchObject({ status: "pending", last: { result: "retry" } });
      timers.advance(7_500);
      await outbox.idle();
      expect(seen).toHaveLength(2);
      expect(outbox.get(queued.id)).toMatchObject({ status: "delivered", attempts: 2, last: { status: 400 } });
      expect(outbox.get(queued.id)?.last?.message).toContain("already set");
    }));

  it("any other refused transition is given up with GitLab's reason", () =>
    withDir(async (dir) => {
      recordForge(mock, () => refusal("run", "success"));
      const { outbox } = await outboxOn(dir, new FakeClock());
      const queued = await post(outbox, gitlab, "run.started");
      expect(outbox.get(queued.id)).toMatchObject({ status: "failed", last: { result: "give-up", status: 400 } });
      expect(outbox.get(queued.id)?.last?.message).toContain("from :success");
    }));
});
