import { createHmac, timingSafeEqual } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { delay, http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { webhookSender } from "../../adapters/notify/webhook-sender.ts";
import { FakeClock, fsOutbox, webhookDraft } from "../support/outbox-fixtures.ts";
import { withTempDir } from "../support/temp-dir.ts";
import { mockHttp } from "../support/msw.ts";

const SECRET = "s3cret-webhook-value";
const URL_ = "https://hooks.example.test/quire";
const mock = mockHttp();

const outboxOn = (dir: string, clock: FakeClock, timeoutMs = 2_000) => fsOutbox(dir, clock, { secrets: { "hook-secret": SECRET }, webhooks: webhookSender(timeoutMs) });

/** What a receiver does with only the secret: recompute the HMAC of the raw body. */
function verify(body: string, header: string | null): boolean {
  const expected = Buffer.from(`sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`);
  const given = Buffer.from(header ?? "");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const withDir = <T>(work: (dir: string) => Promise<T>): Promise<T> => withTempDir("quire-webhooks-", work);

describe("webhooks through the outbox", () => {
  it("posts the body with event, delivery id and a signature a receiver verifies with only the secret", () =>
    withDir(async (dir) => {
      const seen: { body: string; headers: Headers }[] = [];
      mock.use(
        http.post(URL_, async ({ request }) => {
          seen.push({ body: await request.text(), headers: request.headers });
          return new HttpResponse(null, { status: 204 });
        }),
      );
      const { outbox } = await outboxOn(dir, new FakeClock());
      const [queued] = await outbox.enqueue([webhookDraft("one", '{"event":"run.finished","run":{"outcome":"succeeded"}}', URL_)]);
      await outbox.idle();
      expect(seen).toHaveLength(1);
      const [hit] = seen;
      expect(verify(hit!.body, hit!.headers.get("x-quire-signature-256"))).toBe(true);
      expect(verify(hit!.body + " ", hit!.headers.get("x-quire-signature-256"))).toBe(false);
      expect(hit!.headers.get("x-quire-event")).toBe("run.finished");
      expect(hit!.headers.get("x-quire-delivery")).toBe(queued!.id);
      expect(hit!.headers.get("content-type")).toBe("application/json");
      expect(JSON.parse(hit!.body)).toEqual({ event: "run.finished", run: { outcome: "succeeded" } });
      expect(outbox.get(queued!.id)).toMatchObject({ status: "delivered", attempts: 1, last: { status: 204 } });
      // On disk too, and the secret's value is nowhere in the outbox.
      const files = await readdir(dir);
      expect(files).toEqual([`${queued!.id}.json`]);
      const text = await readFile(join(dir, files[0]!), "utf8");
      expect(JSON.parse(text)).toMatchObject({ status: "delivered" });
      expect(text).not.toContain(SECRET);
    }));

  it("a 4xx is given up at once with the receiver's reason", () =>
    withDir(async (dir) => {
      let hits = 0;
      mock.use(http.post(URL_, () => (hits++, HttpResponse.json({ message: "unknown hook" }, { status: 404 }))));
      const { outbox, timers } = await outboxOn(dir, new FakeClock());
      const [queued] = await outbox.enqueue([webhookDraft("gone", undefined, URL_)]);
      await outbox.idle();
      timers.advance(48 * 3_600_000);
      await outbox.idle();
      expect(hits).toBe(1);
      expect(outbox.get(queued!.id)).toMatchObject({ status: "failed", next_attempt_at: null, last: { result: "give-up", status: 404 } });
      expect(outbox.get(queued!.id)?.last?.message).toContain("unknown hook");
    }));

  it("5xx and timeouts are retried with growing waits until the receiver takes it", () =>
    withDir(async (dir) => {
      const answers: (() => Promise<Response>)[] = [
        async () => new HttpResponse("busy", { status: 503 }),
        async () => (await delay(1_000), new HttpResponse(null, { status: 200 })),
        async () => new HttpResponse(null, { status: 200 }),
      ];
      const deliveredIds: string[] = [];
      let hits = 0;
      mock.use(
        http.post(URL_, async ({ request }) => {
          const answer = await answers[hits++]!();
          if (answer.status === 200) deliveredIds.push(request.headers.get("x-quire-delivery") ?? "");
          return answer;
        }),
      );
      const clock = new FakeClock();
      const { outbox, timers } = await outboxOn(dir, clock, 150);
      const [queued] = await outbox.enqueue([webhookDraft("flaky", undefined, URL_)]);
      await outbox.idle();
      const first = outbox.get(queued!.id)!;
      expect(first).toMatchObject({ status: "pending", attempts: 1, last: { result: "retry", status: 503 } });
      // 10 s base, equal jitter at 0.5: 7.5 s after the first failure, 15 s after the second.
      expect(Date.parse(first.next_attempt_at!) - Date.parse(clock.now())).toBe(7_500);
      timers.advance(7_499);
      await outbox.idle();
      expect(hits).toBe(1);
      timers.advance(1);
      await outbox.idle();
      const second = outbox.get(queued!.id)!;
      expect(second).toMatchObject({ status: "pending", attempts: 2, last: { result: "retry" } });
      expect(second.last?.message).toContain("no answer within 150 ms");
      expect(Date.parse(second.next_attempt_at!) - Date.parse(clock.now())).toBe(15_000);
      timers.advance(15_000);
      await outbox.idle();
      expect(outbox.get(queued!.id)).toMatchObject({ status: "delivered", attempts: 3 });
      // The timed-out attempt may have reached the receiver; the id lets it dedupe.
      expect(new Set(deliveredIds)).toEqual(new Set([queued!.id]));
    }));

  it("a restart in the middle of the retry schedule delivers once, after the restart, under the same id", () =>
    withDir(async (dir) => {
      let up = false;
      const received: string[] = [];
      mock.use(
        http.post(URL_, async ({ request }) => {
          if (!up) return new HttpResponse(null, { status: 502 });
          received.push(request.headers.get("x-quire-delivery") ?? "");
          return new HttpResponse(null, { status: 200 });
        }),
      );
      const clock = new FakeClock();
      const first = await outboxOn(dir, clock);
      const [queued] = await first.outbox.enqueue([webhookDraft("restart", undefined, URL_)]);
      await first.outbox.idle();
      first.timers.advance(7_500);
      await first.outbox.idle();
      expect(first.outbox.get(queued!.id)).toMatchObject({ status: "pending", attempts: 2 });
      await first.outbox.stop();
      up = true;
      clock.advance(60_000);
      const second = await outboxOn(dir, clock);
      // Enqueueing the same event again (a replayed run event) records nothing new.
      expect(await second.outbox.enqueue([webhookDraft("restart", undefined, URL_)])).toEqual([]);
      await second.outbox.idle();
      expect(received).toEqual([queued!.id]);
      expect(second.outbox.get(queued!.id)).toMatchObject({ status: "delivered", attempts: 3 });
      second.timers.advance(48 * 3_600_000);
      await second.outbox.idle();
      expect(received).toHaveLength(1);
    }));

  it("a redirect to another host is refused and given up; the signed body never leaves for it", () =>
    withDir(async (dir) => {
      let elsewhere = 0;
      mock.use(
        http.post(URL_, () => new HttpResponse(null, { status: 307, headers: { location: "https://evil.example.test/steal" } })),
        http.post("https://evil.example.test/steal", () => (elsewhere++, new HttpResponse(null, { status: 200 }))),
      );
      const { outbox } = await outboxOn(dir, new FakeClock());
      const [queued] = await outbox.enqueue([webhookDraft("redirect", undefined, URL_)]);
      await outbox.idle();
      expect(elsewhere).toBe(0);
      expect(outbox.get(queued!.id)).toMatchObject({ status: "failed", last: { result: "give-up", status: 307 } });
      expect(outbox.get(queued!.id)?.last?.message).toContain("another host");
    }));
});
