import type { AttemptResult, MirrorTarget, StatusTarget, WebhookTarget } from "../outbox/delivery.ts";
import type { Result } from "../result.ts";
import type { RepoName } from "../types.ts";
import type { RepoSettings } from "../notify/repo-settings.ts";

/** Commit statuses on a forge; one adapter per forge API, the token passed per call. */
export interface ForgeStatusPort {
  post(target: StatusTarget, token: string): Promise<AttemptResult>;
}

/** Pushes one ref to a mirror; the token must reach git by environment only. */
export interface MirrorPusher {
  push(target: MirrorTarget, token: string): Promise<AttemptResult>;
}

/** Posts a signed webhook; `deliveryId` goes into X-Quire-Delivery. */
export interface WebhookSender {
  send(target: WebhookTarget, deliveryId: string, secret: string): Promise<AttemptResult>;
}

/** `.quire/config.yml` at a commit: absent is the empty settings, a bad file an error naming the key. */
export interface RepoSettingsSource {
  read(repo: RepoName, sha: string): Promise<Result<RepoSettings, string>>;
}
