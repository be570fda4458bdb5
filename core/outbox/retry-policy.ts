import type { Clock } from "../ports/clock-ids.ts";
import type { AttemptResult, Delivery } from "./delivery.ts";

export interface RetryPolicy {
  /** The wait after the first failed attempt; it doubles after each further one. */
  baseMs: number;
  maxDelayMs: number;
  /** Past this much time since the window started, a failing delivery is given up. */
  giveUpAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseMs: 10_000,
  maxDelayMs: 60 * 60_000,
  giveUpAfterMs: 24 * 60 * 60_000,
};

/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half random, so
 * receivers coming back after an outage are not hit by every delivery at once.
 * `random` is in [0, 1).
 */
export function retryDelayMs(attempts: number, policy: RetryPolicy, random: number): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  const delay = Math.min(policy.baseMs * 2 ** exponent, policy.maxDelayMs);
  return Math.round(delay / 2 + (delay / 2) * random);
}

/** Marks the record as being attempted; written before the request goes out. */
export function beginAttempt(delivery: Delivery, now: string): Delivery {
  return { ...delivery, status: "in-flight", attempts: delivery.attempts + 1, updated_at: now };
}

/** The record after an attempt: delivered, given up, or scheduled again within the window. */
export function settleAttempt(
  delivery: Delivery,
  result: AttemptResult,
  clock: Clock,
  policy: RetryPolicy,
  random: number,
): Delivery {
  const now = clock.now();
  const last = { at: now, result: result.kind, status: result.status ?? null, message: result.message };
  const base = { ...delivery, updated_at: now, last };
  if (result.kind === "delivered") return { ...base, status: "delivered", next_attempt_at: null };
  if (result.kind === "give-up") return { ...base, status: "failed", next_attempt_at: null };
  const next = clock.after(retryDelayMs(delivery.attempts, policy, random));
  if (Date.parse(next) - Date.parse(delivery.window_start) > policy.giveUpAfterMs) {
    const hours = Math.round(policy.giveUpAfterMs / 3_600_000);
    const message = `gave up after ${delivery.attempts} attempts in ${hours} h; last: ${result.message}`;
    return { ...base, status: "failed", next_attempt_at: null, last: { ...last, message } };
  }
  return { ...base, status: "pending", next_attempt_at: next };
}

/**
 * A record found in flight at start: the process died during the attempt, so the receiver
 * may or may not have it. It is retried like a timeout (receivers dedupe by delivery id).
 */
export function recoverInFlight(delivery: Delivery, now: string): Delivery {
  if (delivery.status !== "in-flight") return delivery;
  const last = { at: now, result: "retry" as const, status: null, message: "the server stopped during this attempt" };
  return { ...delivery, status: "pending", next_attempt_at: now, updated_at: now, last };
}

/** A manual redelivery: the same id (so receivers can dedupe), a fresh window. */
export function reopen(delivery: Delivery, now: string): Delivery {
  return { ...delivery, status: "pending", next_attempt_at: now, window_start: now, updated_at: now };
}
