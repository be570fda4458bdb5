import type { Delivery } from "./delivery.ts";

export type RedeliverResult = { kind: "queued"; delivery: Delivery } | { kind: "not-found" } | { kind: "busy" };

/** What the HTTP API and the CLI see of the outbox: every delivery and its last response, and redelivery. */
export interface DeliveryLog {
  /** Newest first. */
  list(): Delivery[];
  get(id: string): Delivery | undefined;
  /** Attempts a delivery again under its own id (receivers dedupe by it), with a fresh retry window. */
  redeliver(id: string): Promise<RedeliverResult>;
}
