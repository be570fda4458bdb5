import { FakeClock } from "../../adapters/clock/fake-clock.ts";
import { attemptDelivery } from "../../adapters/notify/attempt-delivery.ts";
import { deliveryIds } from "../../adapters/outbox/delivery-ids.ts";
import { FsOutboxStore } from "../../adapters/outbox/fs-outbox-store.ts";
import { configSecrets } from "../../adapters/secrets/config-secrets.ts";
import { Outbox } from "../../core/outbox/outbox.ts";
import type { ForgeStatusPort, MirrorPusher, WebhookSender } from "../../core/ports/notify.ts";
import type { Delivery, DeliveryDraft } from "../../core/outbox/delivery.ts";
import type { Logger } from "../../core/ports/logger.ts";
import type { Timers } from "../../core/ports/timers.ts";

/** Timers that fire only when the test moves the fake clock past them. */
export class ManualTimers implements Timers {
  private waiting: { at: number; fn: () => void }[] = [];

  constructor(private readonly clock: FakeClock) {}

  after(ms: number, fn: () => void): () => void {
    const entry = { at: Date.parse(this.clock.now()) + ms, fn };
    this.waiting.push(entry);
    return () => {
      this.waiting = this.waiting.filter((e) => e !== entry);
    };
  }

  /** Moves the clock and fires what became due. */
  advance(ms: number): void {
    this.clock.advance(ms);
    const now = Date.parse(this.clock.now());
    const due = this.waiting.filter((e) => e.at <= now);
    this.waiting = this.waiting.filter((e) => e.at > now);
    for (const entry of due) entry.fn();
  }
}

export const quietLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

const giveUp = { kind: "give-up" as const, message: "unused" };

/**
 * The outbox as `quire serve` wires it, on a real directory, with a clock the test moves
 * (`timers.advance`); the senders a test does not exercise give up at once.
 */
export async function fsOutbox(
  dir: string,
  clock: FakeClock,
  senders: { secrets: Record<string, string>; webhooks?: WebhookSender; forge?: ForgeStatusPort; mirror?: MirrorPusher },
) {
  const timers = new ManualTimers(clock);
  const attempt = attemptDelivery({
    secrets: configSecrets(senders.secrets),
    webhooks: senders.webhooks ?? { send: async () => giveUp },
    forge: senders.forge ?? { post: async () => giveUp },
    mirror: senders.mirror ?? { push: async () => giveUp },
  });
  const outbox = new Outbox({
    store: new FsOutboxStore(dir),
    clock,
    timers,
    random: () => 0.5,
    ids: deliveryIds,
    attempt,
    policy: { baseMs: 10_000, maxDelayMs: 3_600_000, giveUpAfterMs: 24 * 3_600_000 },
    logger: quietLogger,
  });
  await outbox.start();
  return { outbox, timers };
}

export function webhookDraft(key: string, body = `{"n":"${key}"}`, url = "https://hooks.example.test/quire"): DeliveryDraft {
  return { key, group: null, run_id: null, repo: "demo.git", target: { kind: "webhook", url, secret: "hook-secret", event: "run.finished", body } };
}

export function statusDraft(key: string, group: string, state: "pending" | "running" | "success"): DeliveryDraft {
  return {
    key,
    group,
    run_id: "0190a5b0-0000-7000-8000-000000000001",
    repo: "demo.git",
    target: {
      kind: "status",
      forge: "gitea",
      api: "https://forge.example.test/api/v1",
      repo: "me/demo",
      token: "forge-token",
      sha: "a".repeat(40),
      ref: "refs/heads/main",
      state,
      context: "quire",
      description: state,
      target_url: null,
    },
  };
}

/** A complete record, for store contract tests. */
export function deliveryRecord(id: string, overrides: Partial<Delivery> = {}): Delivery {
  const draft = webhookDraft(id);
  return {
    version: 1,
    id,
    group: null,
    seq: 1,
    run_id: null,
    repo: "demo.git",
    created_at: "2026-11-21T10:00:00.000Z",
    updated_at: "2026-11-21T10:00:00.000Z",
    window_start: "2026-11-21T10:00:00.000Z",
    status: "pending",
    attempts: 0,
    next_attempt_at: "2026-11-21T10:00:00.000Z",
    last: null,
    target: draft.target,
    ...overrides,
  };
}

export { FakeClock };
