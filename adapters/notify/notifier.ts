import type { SecretSource } from "../../core/ports/secrets.ts";
import type { RepoSettingsSource } from "../../core/ports/notify.ts";
import { mirrorDrafts } from "../../core/notify/push-mirrors.ts";
import { runNotices, type WebhookSettings } from "../../core/notify/run-notices.ts";
import type { RunEventName } from "../../core/notify/run-status.ts";
import type { TokenHosts } from "../../core/notify/token-hosts.ts";
import type { Outbox } from "../../core/outbox/outbox.ts";
import { redactValue } from "../../core/pipeline/redact-value.ts";
import type { Logger } from "../../core/ports/logger.ts";
import { createRedactor } from "../../core/logs/redact.ts";
import type { PushEvent, RunRecord } from "../../core/types.ts";

const ZERO = /^0+$/;

export interface NotifierDeps {
  outbox: Outbox;
  settings: RepoSettingsSource;
  secrets: SecretSource;
  webhooks: readonly WebhookSettings[];
  tokenHosts: TokenHosts;
  /** The run page for a run, when the server has a public URL. */
  runUrl(run: RunRecord): string | null;
  /** The run as the API shows it. */
  view(run: RunRecord): Record<string, unknown>;
  /** Job id → state, from the finished run's receipt (empty when there is none). */
  jobsOf(run: RunRecord): Promise<Record<string, string>>;
  logger: Logger;
}

/**
 * Turns run events and pushes into outbox records. Run events are handled one after the
 * other, so a run's statuses enter the outbox in the order they happened.
 */
export class Notifier {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly deps: NotifierDeps) {}

  readonly onRun = (event: RunEventName, run: RunRecord): void => {
    this.chain = this.chain.then(() =>
      this.notifyRun(event, run).catch((error: unknown) => {
        this.deps.logger.error({ err: error, run_id: run.meta.run_id, event }, "could not record the run's notifications");
      }),
    );
  };

  /** Records mirror pushes for every ref; returns problems with the repo's settings, for the pusher. */
  async onPush(event: PushEvent): Promise<string[]> {
    const problems = new Set<string>();
    for (const update of event.refs) {
      const sha = ZERO.test(update.new_sha) ? update.old_sha : update.new_sha;
      const settings = await this.deps.settings.read(event.repo, sha);
      if (!settings.ok) {
        problems.add(settings.error);
        continue;
      }
      const mirrors = mirrorDrafts({ ...event, refs: [update] }, settings.value, this.deps.tokenHosts);
      mirrors.problems.forEach((p) => problems.add(p));
      await this.deps.outbox.enqueue(mirrors.drafts);
    }
    for (const problem of problems) this.deps.logger.warn({ repo: event.repo }, problem);
    return [...problems];
  }

  /** Resolves once every run event seen so far is in the outbox. */
  settled(): Promise<void> {
    return this.chain;
  }

  private async notifyRun(event: RunEventName, run: RunRecord): Promise<void> {
    const settings = await this.deps.settings.read(run.meta.repo, run.meta.sha);
    if (!settings.ok) this.deps.logger.warn({ run_id: run.meta.run_id }, `no commit statuses: ${settings.error}`);
    const resolved = await this.deps.secrets.resolveAll();
    const redactor = createRedactor([...resolved].flatMap(([name, r]) => (r.ok ? [{ name, value: r.value }] : [])));
    const notices = runNotices({
      event,
      run,
      view: redactValue(this.deps.view(run), redactor),
      webhooks: this.deps.webhooks,
      settings: settings.ok ? settings.value : { mirrors: [], status: [] },
      tokenHosts: this.deps.tokenHosts,
      runUrl: this.deps.runUrl(run),
      jobs: event === "run.finished" ? await this.deps.jobsOf(run) : {},
    });
    for (const problem of notices.problems) this.deps.logger.warn({ run_id: run.meta.run_id }, problem);
    await this.deps.outbox.enqueue(notices.drafts);
  }
}
