import type { Delivery } from "./delivery.ts";

/**
 * A status or mirror push that a newer one of its group replaces: the forge should show
 * the latest state, and a mirror the latest commit, not replay history in retry order.
 */
export function supersededBy(delivery: Delivery, all: Iterable<Delivery>): Delivery | undefined {
  if (delivery.group === null) return undefined;
  for (const other of all) {
    if (other.group !== delivery.group || other.seq <= delivery.seq) continue;
    if (other.status === "pending" || other.status === "in-flight" || other.status === "delivered") return other;
  }
  return undefined;
}
