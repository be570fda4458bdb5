import { nodeTimers } from "../../adapters/clock/node-timers.ts";
import { forgeStatus } from "../../adapters/forge/forge-status.ts";
import { registeredGitDir } from "../../adapters/git/repo-registry-file.ts";
import { gitMirror } from "../../adapters/mirror/git-mirror.ts";
import { attemptDelivery } from "../../adapters/notify/attempt-delivery.ts";
import { gitRepoSettings } from "../../adapters/notify/git-repo-settings.ts";
import { Notifier } from "../../adapters/notify/notifier.ts";
import { ObservedRunStore, type RunObserver } from "../../adapters/notify/observed-run-store.ts";
import { webhookSender } from "../../adapters/notify/webhook-sender.ts";
import { deliveryIds } from "../../adapters/outbox/delivery-ids.ts";
import { FsOutboxStore } from "../../adapters/outbox/fs-outbox-store.ts";
import { configSecrets } from "../../adapters/secrets/config-secrets.ts";
import { QuireError } from "../../core/errors.ts";
import type { RunFiles } from "../../core/ports/run-files.ts";
import { Outbox } from "../../core/outbox/outbox.ts";
import type { Clock } from "../../core/ports/clock-ids.ts";
import type { GitPort } from "../../core/ports/git.ts";
import type { Logger } from "../../core/ports/logger.ts";
import type { RunStore } from "../../core/ports/storage.ts";
import type { PushEvent, RunRecord } from "../../core/types.ts";
import { joinUrl } from "../http/join-url.ts";
import { runView } from "../http/run-view.ts";
import type { QuireConfig } from "./config.ts";
import type { Home } from "./home.ts";
import { RUN_RECEIPT_FILE } from "../../core/run/run-layout.ts";

export interface NotifyBase {
  git: GitPort;
  clock: Clock;
  logger: Logger;
  files: RunFiles;
}

export interface NotifyWiring {
  outbox: Outbox;
  /** Wraps the run store so every created, started and finished run is reported. */
  observe(store: RunStore): RunStore;
  /** Reports one run event directly, for servers that learn of transitions from elsewhere. */
  onRun: RunObserver;
  onPush(event: PushEvent): Promise<string[]>;
  /** Resolves once every run event seen so far is in the outbox (tests, shutdown). */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/** A receipt bigger than this is not read for per-job statuses. */
const RECEIPT_BYTES = 1024 * 1024;

/**
 * Mirrors, commit statuses and webhooks for one server: the durable outbox in
 * `<home>/outbox/`, the adapters it attempts through, and the run-lifecycle observer.
 * On PostgreSQL too the outbox is files under the server's home: one server sends them
 * (runners never do), so nothing needs sharing, and a delivery never waits on the database.
 */
export async function wireNotify(home: Home, config: QuireConfig, base: NotifyBase, publicUrl: string | undefined): Promise<NotifyWiring> {
  config.webhooks.forEach((hook, i) => {
    if (!(hook.secret in config.secrets)) {
      throw new QuireError("config_invalid", `${home.config}: webhooks.${i}.secret: no secret named ${hook.secret} under secrets`);
    }
  });
  const secrets = configSecrets(config.secrets);
  const timeoutMs = config.outbox.timeout_seconds * 1000;
  const gitDirOf = registeredGitDir(home);
  const outbox = new Outbox({
    store: new FsOutboxStore(home.outbox),
    clock: base.clock,
    timers: nodeTimers,
    random: Math.random,
    ids: deliveryIds,
    attempt: attemptDelivery({
      secrets,
      webhooks: webhookSender(timeoutMs),
      forge: forgeStatus(timeoutMs),
      // A push moves whole packs, so it gets far longer than an API call.
      mirror: gitMirror({ gitDirOf, timeoutMs: Math.max(timeoutMs * 30, 60_000) }),
    }),
    policy: {
      baseMs: config.outbox.retry_base_seconds * 1000,
      maxDelayMs: config.outbox.retry_max_seconds * 1000,
      giveUpAfterMs: config.outbox.give_up_hours * 3_600_000,
    },
    logger: base.logger,
  });
  await outbox.start();
  const notifier = new Notifier({
    outbox,
    settings: gitRepoSettings(base.git, gitDirOf),
    secrets,
    webhooks: config.webhooks,
    tokenHosts: config.token_hosts,
    runUrl: (run) => (publicUrl ? joinUrl(publicUrl, `run/${run.meta.run_id}`).toString() : null),
    view: (run) => runView(run),
    jobsOf: (run) => jobStates(base.files, run),
    logger: base.logger,
  });
  return {
    outbox,
    observe: (store) => new ObservedRunStore(store, notifier.onRun),
    onRun: notifier.onRun,
    onPush: (event) => notifier.onPush(event),
    settled: () => notifier.settled(),
    async stop() {
      await notifier.settled();
      await outbox.stop();
    },
  };
}

/** Job id → succeeded | failed | skipped, from the run receipt; empty when it is missing or unreadable. */
async function jobStates(files: RunFiles, run: RunRecord): Promise<Record<string, string>> {
  const read = await files.readBounded(run.meta.repo, run.meta.run_id, RUN_RECEIPT_FILE, RECEIPT_BYTES).catch(() => undefined);
  if (read?.kind !== "text") return {};
  try {
    const jobs = (JSON.parse(read.text) as { jobs?: unknown }).jobs;
    if (typeof jobs !== "object" || jobs === null) return {};
    return Object.fromEntries(Object.entries(jobs).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
  } catch {
    return {};
  }
}
