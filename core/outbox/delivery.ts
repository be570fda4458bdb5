import type { RefUpdate } from "../types.ts";

/** What a forge status says; each forge adapter maps these to its own words. */
export type StatusState = "pending" | "running" | "success" | "failure" | "error" | "cancelled" | "skipped";
export const FORGES = ["gitea", "forgejo", "github", "gitlab"] as const;
export type Forge = (typeof FORGES)[number];

/** A signed POST of a run event to a webhook from the server's config. */
export interface WebhookTarget {
  kind: "webhook";
  url: string;
  /** The name of the signing secret in the server's config; the value never enters the outbox. */
  secret: string;
  event: string;
  /** The exact body sent on every attempt, so a receiver sees the same bytes and signature. */
  body: string;
}

export interface StatusTarget {
  kind: "status";
  forge: Forge;
  api: string;
  repo: string;
  /** A secret name; resolved when the attempt is made. */
  token: string;
  sha: string;
  ref: string;
  state: StatusState;
  context: string;
  description: string;
  target_url: string | null;
}

/** One ref of one push to one mirror; a deletion has an all-zero `new_sha`. */
export interface MirrorTarget {
  kind: "mirror";
  url: string;
  token: string;
  username: string;
  force: boolean;
  repo: string;
  update: RefUpdate;
}

export type DeliveryTarget = WebhookTarget | StatusTarget | MirrorTarget;
export type DeliveryKind = DeliveryTarget["kind"];

export type DeliveryStatus = "pending" | "in-flight" | "delivered" | "failed" | "superseded";

/** How one attempt ended, as the adapter that made it judged it. */
export type AttemptResult =
  | { kind: "delivered"; status?: number; message: string }
  /** Worth another try later: 5xx, 429, network errors, timeouts (`timedOut`: the receiver may have it). */
  | { kind: "retry"; status?: number; message: string; timedOut?: boolean }
  /** Will never work as it is (4xx, a refused push): kept with the reason, not retried. */
  | { kind: "give-up"; status?: number; message: string };

export interface LastAttempt {
  at: string;
  result: AttemptResult["kind"];
  status: number | null;
  message: string;
}

/**
 * One outbound action, a file in `<home>/outbox/`. It is written before the first attempt
 * and after every attempt; secrets appear only by name.
 */
export interface Delivery {
  version: 1;
  id: string;
  /** Deliveries with the same group are ordered by `seq`; a newer one makes older undelivered ones moot. */
  group: string | null;
  seq: number;
  run_id: string | null;
  repo: string | null;
  created_at: string;
  updated_at: string;
  /** When the 24 h retry window started: creation, or the last manual redelivery. */
  window_start: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string | null;
  last: LastAttempt | null;
  target: DeliveryTarget;
}

/** What a producer asks for; the outbox assigns id, seq and the schedule. */
export interface DeliveryDraft {
  /** Stable for the same event and target, so enqueueing it twice records it once. */
  key: string;
  group: string | null;
  run_id: string | null;
  repo: string | null;
  target: DeliveryTarget;
}

export function describeTarget(target: DeliveryTarget): string {
  switch (target.kind) {
    case "webhook":
      return `webhook ${target.event} → ${target.url}`;
    case "status":
      return `${target.forge} status ${target.state} (${target.context}) → ${target.repo}@${target.sha.slice(0, 12)}`;
    case "mirror":
      return `mirror ${target.repo} ${target.update.ref} → ${target.url}`;
  }
}
