import type { Clock, Ids } from "../core/ports/clock-ids.ts";
import type { ContainerJanitor, ProcessJanitor, WorkspaceJanitor } from "../core/ports/janitors.ts";
import type { GitPort } from "../core/ports/git.ts";
import type { Liveness } from "../core/ports/liveness.ts";
import type { Logger } from "../core/ports/logger.ts";
import type { RunStore } from "../core/ports/storage.ts";
import type { LogReader, RunFiles } from "../core/ports/run-files.ts";
import type { RunIndex } from "../core/ports/run-index.ts";
import type { RunQueue } from "../core/queue/run-queue.ts";
import type { RunResolver } from "../core/ports/run-resolver.ts";
import type { PushEvent, RunRecord } from "../core/types.ts";
import type { DeliveryLog } from "../core/outbox/delivery-log.ts";
import type { WebOptions } from "./http/web-options.ts";
import type { LiveRunsView } from "./ui/live-runs.ts";

/** Everything the HTTP app needs; the Node entry wires real adapters, tests wire fakes. */
export interface AppDeps {
  store: RunStore;
  git: GitPort;
  clock: Clock;
  ids: Ids;
  liveness: Liveness;
  logger: Logger;
  /** Turns an id or alias into a run (the run index supplies aliases). */
  resolver: RunResolver;
  /** The hook token; read lazily so a rotated file takes effect. */
  hookToken: () => Promise<string> | string;
  /** Called with the runs a push created, e.g. to queue them. */
  onRunsCreated?: (runs: RunRecord[]) => void;
  /** Called with every accepted push (mirrors); returns problems to tell the pusher, e.g. a bad .quire/config.yml. */
  onPush?: (event: PushEvent) => Promise<string[]>;
  /** The outbox: `GET /deliveries` and redelivery. */
  deliveries?: DeliveryLog;
  /** Hands a pending run found by reconcile back to the queue; false when the queue already had it. */
  requeue?: (run: RunRecord) => boolean | void;
  /** The live queue's word that a run is running here (reconcile never touches such a run). */
  isRunning?: (runId: string) => boolean;
  bodyLimitBytes?: number;
  /** Present where runs execute: cancel and retry go through it. */
  queue?: Pick<RunQueue, "cancel">;
  /** Reads logs and other run files for downloads and live tails. */
  logs?: LogReader;
  files?: RunFiles;
  /** The run index: serves `GET /runs` and is repaired by every reconcile. */
  index?: Pick<RunIndex, "read" | "repair">;
  /** What reconcile cleans up besides run records. */
  containers?: ContainerJanitor;
  processes?: ProcessJanitor;
  workspaces?: WorkspaceJanitor;
  /** How often live views poll for new state and log lines. */
  pollMs?: number;
  /** Where live views wait between polls; resolves early when the run changed (PostgreSQL notifications). */
  waitForChange?: (runId: string, ms: number) => Promise<void>;
  /** Public URL, proxies, read/write authority, SSE heartbeat. */
  web?: WebOptions;
  /** Job states and commands of runs executing here, before their receipts exist. */
  live?: LiveRunsView;
}
