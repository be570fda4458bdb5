import type { DeliveryDraft } from "../outbox/delivery.ts";
import type { PushEvent } from "../types.ts";
import type { RepoSettings } from "./repo-settings.ts";
import { tokenMayGoTo, type TokenHosts } from "./token-hosts.ts";

/**
 * One mirror push per updated ref and mirror, deletions included, whether or not the
 * commit has a pipeline. A newer push of the same ref makes an older undelivered one moot.
 */
export function mirrorDrafts(event: PushEvent, settings: RepoSettings, tokenHosts: TokenHosts): { drafts: DeliveryDraft[]; problems: string[] } {
  const drafts: DeliveryDraft[] = [];
  const problems: string[] = [];
  settings.mirrors.forEach((mirror, i) => {
    const allowed = tokenMayGoTo(tokenHosts, mirror.token, mirror.url, `mirrors.${i}.token`);
    if (!allowed.ok) return problems.push(allowed.error);
    for (const update of event.refs) {
      const group = ["mirror", event.repo, mirror.url, update.ref].join("\n");
      drafts.push({
        key: [group, update.old_sha, update.new_sha, event.pushed_at].join("\n"),
        group,
        run_id: null,
        repo: event.repo,
        target: { kind: "mirror", url: mirror.url, token: mirror.token, username: mirror.username, force: mirror.force, repo: event.repo, update },
      });
    }
  });
  return { drafts, problems };
}
