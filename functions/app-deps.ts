import type { DeliveryLog } from "../core/outbox/delivery-log.ts";
import type { ReconcileReport } from "../core/maintenance/reconcile.ts";
import type { Clock, Ids } from "../core/ports/clock-ids.ts";
import type { GitPort } from "../core/ports/git.ts";
import type { Liveness } from "../core/ports/liveness.ts";
import type { Logger } from "../core/ports/logger.ts";
import type { LogReader, RunFiles } from "../core/ports/run-files.ts";
import type { RunIndex } from "../core/ports/run-index.ts";
import type { RunResolver } from "../core/ports/run-resolver.ts";
import type { RunStore } from "../core/ports/storage.ts";
import type { RunQueue } from "../core/queue/run-queue.ts";
import type { PushEvent, RunRecord } from "../core/types.ts";
import type { WebOptions } from "./http/web-options.ts";
import type { LiveRunsView } from "./ui/live-runs.ts";

/**
 * Everything the HTTP app needs, complete: the composition root (functions/node/wire-home.ts;
 * test/support/memory-deps.ts for tests) decides every field and each host replaces what it
 * runs differently (queue, reconcile, hooks), so no route carries a fallback of its own.
 */
export interface AppDeps {
  store: RunStore;
  git: GitPort;
  clock: Clock;
  ids: Ids;
  liveness: Liveness;
  logger: Logger;
  /** Turns a run alias (an id, `repo#n`, a sha prefix, `repo@ref`) into a run. */
  resolver: RunResolver;
  /** The hook token; read lazily so a rotated file takes effect. */
  hookToken: () => Promise<string> | string;
  /** The run index: serves `GET /runs`. */
  index: Pick<RunIndex, "read">;
  /** Logs and other run files, for the run view, downloads and live tails. */
  files: RunFiles;
  logs: LogReader;
  /** Cancel goes through it: the local queue, or the shared one runners claim from. */
  queue: Pick<RunQueue, "cancel">;
  /** Called with the runs a push or a retry created, e.g. to queue them. */
  onRunsCreated: (runs: RunRecord[]) => void;
  /** Called with every accepted push (mirrors); returns problems to tell the pusher, e.g. a bad .quire/config.yml. */
  onPush: (event: PushEvent) => Promise<string[]>;
  /** The outbox behind `GET /deliveries` and redelivery; null where the server keeps none (answered 404). */
  deliveries: DeliveryLog | null;
  /** `POST /reconcile`: the host's reconcile, with its own janitors, requeue and index. */
  reconcile: () => Promise<ReconcileReport>;
  bodyLimitBytes: number;
  /** How often live views poll for new state and log lines. */
  pollMs: number;
  /** Where live views wait between polls; resolves early when the run changed (PostgreSQL notifications). */
  waitForChange: (runId: string, ms: number) => Promise<void>;
  /** Public URL, proxies, read/write authority, SSE heartbeat. */
  web: WebOptions;
  /** Job states and commands of runs executing here, before their receipts exist. */
  live: LiveRunsView;
}

/** What every host uses unless it knows better. */
export const APP_DEFAULTS = {
  bodyLimitBytes: 1024 * 1024,
  pollMs: 500,
  waitForChange: (_runId: string, ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  onPush: async (): Promise<string[]> => [],
} satisfies Partial<AppDeps>;
