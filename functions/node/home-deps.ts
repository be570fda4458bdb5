import type { FsLayout } from "../../adapters/storage/fs-layout.ts";
import type { PgDb } from "../../adapters/postgres/pg-db.ts";
import type { PgRunClaims } from "../../adapters/postgres/pg-run-claims.ts";
import type { Executor, ProcessTracker } from "../../core/ports/exec.ts";
import type { ContainerJanitor, ProcessJanitor, WorkspaceJanitor } from "../../core/ports/janitors.ts";
import type { PipelineRuntime } from "../../core/ports/pipeline-runtime.ts";
import type { RunIndex } from "../../core/ports/run-index.ts";
import type { WorkspaceFiles, Workspaces } from "../../core/ports/workspaces.ts";
import type { ReconcileDeps } from "../../core/maintenance/reconcile.ts";
import type { AppDeps } from "../app-deps.ts";
import type { QuireConfig } from "./config.ts";

/** The store's own handles, for the few host parts that need more than the ports. */
export type StoreBackend =
  | { kind: "fs"; layout: FsLayout }
  | { kind: "postgres"; db: PgDb; claims: PgRunClaims }
  | { kind: "memory" };

/** What reconcile and gc clean up on this host after a crash. */
export interface Janitors {
  processes: ProcessJanitor;
  workspaces: WorkspaceJanitor;
  /** A janitor that finds nothing where the executor is not docker. */
  containers: ContainerJanitor;
}

/**
 * One host's complete deps: the app's (`AppDeps`, with a queue that never starts a run) plus
 * what executes runs and cleans up after them. `wireHome(home, config)` (wire-home.ts) builds it
 * for serve, every CLI command and the benches; `memoryDeps()` (test/support/memory-deps.ts)
 * builds the same type in memory. Hosts that execute replace queue, reconcile and the hooks.
 */
export interface HomeDeps extends AppDeps {
  config: QuireConfig;
  index: RunIndex;
  executor: Executor;
  /** The executor a reloaded config.yml asks for, behind the same sandbox. */
  executorFor(config: QuireConfig): Executor;
  runtime: PipelineRuntime;
  /** Materializes a run's workspace (from the home's repos, or `source.clone_url`). */
  workspaces: Workspaces;
  workspaceFiles: WorkspaceFiles;
  /** Records the process groups a run's host commands start, for `janitors.processes`. */
  processTracker: (runId: string) => ProcessTracker;
  janitors: Janitors;
  backend: StoreBackend;
  /** Waits for index writes, closes git's long-lived processes and the database pool. */
  close(): Promise<void>;
}

/** The store half of a home: what wire-files.ts and wire-postgres.ts each provide. */
export type StoreDeps = Pick<HomeDeps, "store" | "index" | "files" | "logs" | "resolver" | "git" | "clock" | "ids" | "liveness" | "logger" | "hookToken" | "backend" | "close">;

export type PostgresHomeDeps = HomeDeps & { backend: Extract<StoreBackend, { kind: "postgres" }> };

export function isPostgresHome(deps: HomeDeps): deps is PostgresHomeDeps {
  return deps.backend.kind === "postgres";
}

/** Reconcile with every janitor of the home and the index repair; hosts that run runs add `isRunning` and `requeue`. */
export function reconcileDepsOf(deps: Pick<HomeDeps, "store" | "clock" | "liveness" | "index" | "janitors">): ReconcileDeps {
  return { store: deps.store, clock: deps.clock, liveness: deps.liveness, index: deps.index, ...deps.janitors };
}
