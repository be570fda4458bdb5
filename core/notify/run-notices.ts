import type { DeliveryDraft } from "../outbox/delivery.ts";
import type { RunRecord } from "../types.ts";
import type { RepoSettings } from "./repo-settings.ts";
import { jobStatus, runStatus, type CommitStatus, type RunEventName } from "./run-status.ts";
import { tokenMayGoTo, type TokenHosts } from "./token-hosts.ts";

export interface WebhookSettings {
  url: string;
  /** The name of a secret in the server's config.yml. */
  secret: string;
  events: readonly RunEventName[];
}

export interface NoticeInput {
  event: RunEventName;
  run: RunRecord;
  /** The run's public API view, already redacted. */
  view: Record<string, unknown>;
  webhooks: readonly WebhookSettings[];
  /** The repo's settings at the run's commit. */
  settings: RepoSettings;
  tokenHosts: TokenHosts;
  /** The run page, when the server knows its public URL. */
  runUrl: string | null;
  /** Job id → succeeded | failed | skipped, for per-job statuses when the run has finished. */
  jobs: Readonly<Record<string, string>>;
}

export interface Notices {
  drafts: DeliveryDraft[];
  /** Settings that could not be honoured (e.g. a token for a host it may not go to). */
  problems: string[];
}

/** Everything one run event should tell the world: webhook posts and commit statuses. */
export function runNotices(input: NoticeInput): Notices {
  const { event, run } = input;
  const drafts: DeliveryDraft[] = [];
  const problems: string[] = [];
  const base = { run_id: run.meta.run_id, repo: run.meta.repo };
  const body = JSON.stringify({ event, run: input.view, run_url: input.runUrl });
  input.webhooks.forEach((hook, i) => {
    if (!hook.events.includes(event)) return;
    drafts.push({
      ...base,
      key: ["webhook", i, hook.url, run.meta.run_id, event].join("\n"),
      group: null,
      target: { kind: "webhook", url: hook.url, secret: hook.secret, event, body },
    });
  });
  input.settings.status.forEach((status, i) => {
    const allowed = tokenMayGoTo(input.tokenHosts, status.token, status.api, `status.${i}.token`);
    if (!allowed.ok) return problems.push(allowed.error);
    const post = (context: string, commit: CommitStatus) => {
      const group = ["status", status.forge, status.api, status.repo, run.meta.sha, context].join("\n");
      drafts.push({
        ...base,
        key: [group, run.meta.run_id, event].join("\n"),
        group,
        target: {
          kind: "status",
          forge: status.forge,
          api: status.api,
          repo: status.repo,
          token: status.token,
          sha: run.meta.sha,
          ref: run.meta.ref,
          context,
          target_url: input.runUrl,
          ...commit,
        },
      });
    };
    post(status.context, runStatus(event, run));
    if (status.per_job && event === "run.finished") {
      for (const [job, state] of Object.entries(input.jobs)) post(`${status.context}/${job}`, jobStatus(job, state));
    }
  });
  return { drafts, problems };
}
