import { describeTarget, type Delivery } from "../../core/outbox/delivery.ts";

/**
 * A delivery as the API shows it: the record (secrets appear only by name) with a one-line
 * summary; a webhook's body is left out, it is the run as `GET /runs/:ref` shows it.
 */
export function deliveryView(delivery: Delivery) {
  const { target } = delivery;
  const shown = target.kind === "webhook" ? { kind: target.kind, url: target.url, secret: target.secret, event: target.event, body_bytes: new TextEncoder().encode(target.body).length } : target;
  return {
    id: delivery.id,
    kind: target.kind,
    summary: describeTarget(target),
    status: delivery.status,
    attempts: delivery.attempts,
    run_id: delivery.run_id,
    repo: delivery.repo,
    created_at: delivery.created_at,
    updated_at: delivery.updated_at,
    next_attempt_at: delivery.next_attempt_at,
    last: delivery.last,
    target: shown,
  };
}

export type DeliveryView = ReturnType<typeof deliveryView>;
