import { nodeTimers } from "../../adapters/clock/node-timers.ts";
import { QuireError } from "../../core/errors.ts";
import { reconcile } from "../../core/maintenance/reconcile.ts";
import { RunQueue } from "../../core/queue/run-queue.ts";
import { APP_DEFAULTS } from "../app-deps.ts";
import { LiveRuns } from "../ui/live-runs.ts";
import type { QuireConfig } from "./config.ts";
import { isPostgresHome, reconcileDepsOf, type HomeDeps, type PostgresHomeDeps, type StoreDeps } from "./home-deps.ts";
import type { Home } from "./home.ts";
import { wireExecution, type ExecutionOptions } from "./wire-execution.ts";
import { wireFiles } from "./wire-files.ts";

export interface WireOptions extends ExecutionOptions {
  /** Names this process's PostgreSQL connections (`quire-serve`, `quire-runner`); the CLI's commands count as serve. */
  role?: "serve" | "runner";
}

/**
 * The composition root of every host: serve, each CLI command and the benches wire a home
 * here and nowhere else. The store half comes from config.yml's `store` (wire-files.ts, or
 * wire-postgres.ts, imported only then so pg never loads for a home on files), the executing
 * half from wire-execution.ts. What it returns executes nothing yet: the queue never starts
 * a run and pushes stay pending; `quire serve` and `quire runner` put a runner
 * (functions/node/runner.ts) in its place. `reconcile` is the offline one, with every janitor.
 */
export async function wireHome(home: Home, config: QuireConfig, options: WireOptions = {}): Promise<HomeDeps> {
  const stored: StoreDeps =
    config.store.kind === "postgres" ? await (await import("./wire-postgres.ts")).wirePostgres(home, config.store, options.role ?? "serve") : wireFiles(home);
  const execution = await wireExecution(home, config, stored, options);
  // Concurrency 0: the queue never starts a run; it only cancels pending ones.
  const queue = new RunQueue({ store: stored.store, clock: stored.clock, timers: nodeTimers, concurrency: 0, runTimeoutMs: 0, execute: async (run) => run });
  return {
    ...APP_DEFAULTS,
    ...stored,
    ...execution,
    config,
    queue,
    onRunsCreated: () => undefined,
    deliveries: null,
    reconcile: () => reconcile(reconcileDepsOf({ ...stored, janitors: execution.janitors })),
    web: {},
    live: new LiveRuns(),
  };
}

/** `wireHome` where the caller needs the shared queue (`quire runner`, `quire serve` on PostgreSQL). */
export async function wireSharedHome(home: Home, config: QuireConfig, options: WireOptions = {}): Promise<PostgresHomeDeps> {
  const deps = await wireHome(home, config, options);
  if (isPostgresHome(deps)) return deps;
  await deps.close();
  throw new QuireError("config_invalid", `${home.config}: this needs \`store: { kind: postgres, url }\`, not ${config.store.kind}`);
}
