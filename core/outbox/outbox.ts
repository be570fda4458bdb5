import type { Clock } from "../ports/clock-ids.ts";
import type { Logger } from "../ports/logger.ts";
import type { Timers } from "../ports/timers.ts";
import { describeTarget, type Delivery, type DeliveryDraft } from "./delivery.ts";
import type { DeliveryLog, RedeliverResult } from "./delivery-log.ts";
import type { DeliveryAttempt, DeliveryIds, OutboxStore } from "../ports/outbox.ts";
import { beginAttempt, recoverInFlight, reopen, settleAttempt, type RetryPolicy } from "./retry-policy.ts";
import { supersededBy } from "./supersede.ts";

export interface OutboxDeps {
  store: OutboxStore;
  clock: Clock;
  timers: Timers;
  /** In [0, 1): jitter for the backoff. */
  random: () => number;
  ids: DeliveryIds;
  attempt: DeliveryAttempt;
  policy: RetryPolicy;
  logger: Logger;
  /** Attempts at once. */
  concurrency?: number;
  /** How long a settled delivery stays listed before a start removes it. */
  keepMs?: number;
}

const DEFAULT_KEEP_MS = 7 * 24 * 3_600_000;
const SETTLED = new Set(["delivered", "failed", "superseded"]);

/** Settled long ago: the delivery log is for looking back days, not forever. */
function expired(delivery: Delivery, now: string, keepMs: number): boolean {
  return SETTLED.has(delivery.status) && Date.parse(now) - Date.parse(delivery.updated_at) > keepMs;
}


/**
 * The durable outbox: a delivery is on disk before its first attempt and after each one;
 * a due delivery is attempted, retried with backoff, and picked up again after a restart.
 * Only this process writes the records, so an in-memory copy of them is authoritative.
 */
export class Outbox implements DeliveryLog {
  private readonly records = new Map<string, Delivery>();
  private readonly inFlight = new Set<string>();
  private seq = 0;
  private cancelTimer: (() => void) | undefined;
  private stopped = true;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly deps: OutboxDeps) {}

  /** Loads what a previous process left (finishing interrupted attempts as retries) and starts. */
  async start(): Promise<void> {
    const now = this.deps.clock.now();
    for (const found of await this.deps.store.list()) {
      if (expired(found, now, this.deps.keepMs ?? DEFAULT_KEEP_MS)) {
        await this.deps.store.remove(found.id);
        continue;
      }
      const delivery = recoverInFlight(found, now);
      if (delivery !== found) await this.deps.store.put(delivery);
      this.records.set(delivery.id, delivery);
      this.seq = Math.max(this.seq, delivery.seq);
    }
    this.stopped = false;
    this.pump();
  }

  /** Records each draft (once per key) and schedules it at once. */
  async enqueue(drafts: readonly DeliveryDraft[]): Promise<Delivery[]> {
    const added: Delivery[] = [];
    for (const draft of drafts) {
      const id = this.deps.ids(draft.key);
      if (this.records.has(id)) continue;
      const now = this.deps.clock.now();
      const delivery: Delivery = {
        version: 1,
        id,
        group: draft.group,
        seq: ++this.seq,
        run_id: draft.run_id,
        repo: draft.repo,
        created_at: now,
        updated_at: now,
        window_start: now,
        status: "pending",
        attempts: 0,
        next_attempt_at: now,
        last: null,
        target: draft.target,
      };
      await this.deps.store.put(delivery);
      this.records.set(id, delivery);
      added.push(delivery);
    }
    if (added.length > 0) this.pump();
    return added;
  }

  list(): Delivery[] {
    return [...this.records.values()].sort((a, b) => b.seq - a.seq);
  }

  get(id: string): Delivery | undefined {
    return this.records.get(id);
  }

  async redeliver(id: string): Promise<RedeliverResult> {
    const delivery = this.records.get(id);
    if (!delivery) return { kind: "not-found" };
    if (this.inFlight.has(id)) return { kind: "busy" };
    const reopened = reopen(delivery, this.deps.clock.now());
    await this.deps.store.put(reopened);
    this.records.set(id, reopened);
    this.pump();
    return { kind: "queued", delivery: reopened };
  }

  /** Resolves when nothing is in flight and nothing is due (tests, shutdown). */
  idle(): Promise<void> {
    if (this.quiet()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops scheduling and waits for the attempts under way; pending records stay on disk. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    while (this.inFlight.size > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private quiet(): boolean {
    const now = Date.parse(this.deps.clock.now());
    return this.inFlight.size === 0 && !this.due(now).length;
  }

  private due(now: number): Delivery[] {
    return [...this.records.values()]
      .filter((d) => d.status === "pending" && !this.inFlight.has(d.id) && Date.parse(d.next_attempt_at ?? "") <= now)
      .sort((a, b) => a.seq - b.seq);
  }

  private pump(): void {
    if (this.stopped) return this.settleIdle();
    const limit = this.deps.concurrency ?? 4;
    for (const delivery of this.due(Date.parse(this.deps.clock.now()))) {
      if (this.inFlight.size >= limit) break;
      // Two deliveries of one group never overlap, so a forge or mirror sees them in order.
      if (delivery.group !== null && [...this.inFlight].some((id) => this.records.get(id)?.group === delivery.group)) continue;
      this.inFlight.add(delivery.id);
      void this.run(delivery).finally(() => {
        this.inFlight.delete(delivery.id);
        this.pump();
      });
    }
    this.arm();
    this.settleIdle();
  }

  /** One timer, for the earliest pending delivery that is not due yet. */
  private arm(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const next = Math.min(
      ...[...this.records.values()]
        .filter((d) => d.status === "pending" && !this.inFlight.has(d.id))
        .map((d) => Date.parse(d.next_attempt_at ?? "")),
    );
    if (!Number.isFinite(next)) return;
    const wait = Math.max(next - Date.parse(this.deps.clock.now()), 0);
    this.cancelTimer = this.deps.timers.after(Math.max(wait, 10), () => this.pump());
  }

  private async run(pending: Delivery): Promise<void> {
    const { store, clock, logger } = this.deps;
    try {
      const newer = supersededBy(pending, this.records.values());
      if (newer) {
        const moot: Delivery = { ...pending, status: "superseded", next_attempt_at: null, updated_at: clock.now() };
        await store.put(moot);
        this.records.set(moot.id, moot);
        return;
      }
      const attempting = beginAttempt(pending, clock.now());
      await store.put(attempting);
      this.records.set(attempting.id, attempting);
      const result = await this.deps.attempt(attempting).catch((error: unknown) => ({
        kind: "retry" as const,
        message: `attempt failed: ${(error as Error).message}`,
      }));
      const settled = settleAttempt(attempting, result, clock, this.deps.policy, this.deps.random());
      await store.put(settled);
      this.records.set(settled.id, settled);
      const log = settled.status === "failed" ? logger.warn.bind(logger) : logger.info.bind(logger);
      log({ delivery: settled.id, status: settled.status, attempts: settled.attempts, last: settled.last?.message }, describeTarget(settled.target));
    } catch (error) {
      // The outbox directory itself failed; the record stays as last written and is retried after a restart.
      logger.error({ err: error, delivery: pending.id }, "outbox write failed");
    }
  }

  private settleIdle(): void {
    if (this.inFlight.size > 0 || (!this.stopped && !this.quiet())) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
