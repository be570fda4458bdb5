import type { AttemptResult, Delivery } from "../outbox/delivery.ts";

/**
 * Where deliveries are kept. Every `put` is atomic and durable before it returns, so a
 * crash leaves each record as it was before or after the write, never half.
 * Implementations: fs (`<home>/outbox/`) and memory (tests).
 */
export interface OutboxStore {
  put(delivery: Delivery): Promise<void>;
  get(id: string): Promise<Delivery | undefined>;
  /** Every record, in no particular order. */
  list(): Promise<Delivery[]>;
  /** Forgets a settled record; removing one that is not there is not an error. */
  remove(id: string): Promise<void>;
}

/** Makes one attempt at a delivery: posts the webhook, sets the status, pushes the mirror. */
export type DeliveryAttempt = (delivery: Delivery) => Promise<AttemptResult>;

/** A stable delivery id (a UUID) for a producer's key: the same event and target, the same id. */
export type DeliveryIds = (key: string) => string;
