import type { Clock } from "../ports/clock-ids.ts";
import type { Lease } from "../types.ts";

/** How long a lease lasts without renewal; the runner renews it at a third of that. */
export const LEASE_TTL_MS = 30_000;

export const leaseFor = (owner: string, clock: Clock, ttlMs = LEASE_TTL_MS): Lease => ({
  owner,
  expires_at: clock.after(ttlMs),
});

export function leaseExpired(lease: Lease | null, now: string): boolean {
  return lease === null || Date.parse(lease.expires_at) <= Date.parse(now);
}
