import { availableParallelism } from "node:os";
import { nodeTimers } from "../../adapters/clock/node-timers.ts";
import { configSecrets } from "../../adapters/secrets/config-secrets.ts";
import { LEASE_TTL_MS, leaseFor } from "../../core/run/lease.ts";
import type { RunEvent, RunEventListener } from "../../core/pipeline/run-events.ts";
import type { RunHandle } from "../../core/run/run-handle.ts";
import type { RunRecord } from "../../core/types.ts";
import { runPipeline, type RunPipelineDeps } from "../../core/run/run-pipeline.ts";
import { RunQueue } from "../../core/queue/run-queue.ts";
import { QuireError } from "../../core/errors.ts";
import type { QuireConfig } from "./config.ts";
import { finishLater } from "./finish-later.ts";
import type { HomeDeps } from "./home-deps.ts";

/** What a runner executes with, all of it from the composition root (wire-home.ts). */
export type RunnerDeps = Pick<
  HomeDeps,
  "config" | "store" | "files" | "clock" | "liveness" | "logger" | "executor" | "executorFor" | "runtime" | "workspaces" | "workspaceFiles" | "processTracker"
>;

export interface Runner {
  queue: RunQueue;
  /** Stops the heartbeat and every running run (graceful shutdown). */
  stop(): Promise<void>;
  /**
   * Applies a new config to runs that start from now on (secrets, concurrency, executor, limits);
   * running runs keep what they started with. Returns the changed keys that need a restart.
   */
  reload(next: QuireConfig): string[];
}

/** Keys the runner cannot change under a live server. */
const RESTART_KEYS = ["store", "keep_workspaces", "sandbox", "host", "public_url", "trust_proxy", "auth", "hook_group", "source", "sse_heartbeat_seconds"] as const;

function settingsOf(config: QuireConfig): RunPipelineDeps["settings"] {
  return {
    logCapBytes: config.log_cap_mb * 1024 * 1024,
    captureBytes: 1024 * 1024,
    pipelineMemoryMb: config.pipeline.memory_mb,
    runTimeoutMs: config.run_timeout_minutes * 60_000,
    ...(config.sandbox === "off" ? { sandbox: "off" as const } : {}),
    jobsPerRun: config.jobs_per_run ?? availableParallelism(),
  };
}

export interface RunnerOptions {
  onEvent?: RunEventListener;
  /** Progress of every run the queue executes, by run id, without output lines (the web view's live job states). */
  onRunEvent?: (runId: string, event: RunEvent) => void;
  /** Told when a run this runner took has ended, however it ended (a slot is free again). */
  onSettled?: (run: RunRecord) => void;
}

/**
 * Puts the run queue over the home's executor, pipeline runtime, workspaces and run files.
 * Active runs renew their lease on a heartbeat so a cron reconcile never takes a live run
 * for an orphan.
 */
export function createRunner(deps: RunnerDeps, options: RunnerOptions = {}): Runner {
  const { onEvent, onRunEvent } = options;
  let current = deps.config;
  const pipelineDeps: RunPipelineDeps = {
    store: deps.store,
    files: deps.files,
    workspaces: deps.workspaces,
    workspaceFiles: deps.workspaceFiles,
    executor: deps.executor,
    runtime: deps.runtime,
    // Read at each run's start, so a reloaded config.yml's secrets apply without a restart.
    secrets: { resolveAll: () => configSecrets(current.secrets).resolveAll() },
    clock: deps.clock,
    liveness: deps.liveness,
    processes: deps.processTracker,
    settings: settingsOf(current),
    ...(onEvent ? { onEvent } : {}),
  };
  const active = new Map<string, RunHandle>();
  const stopping = new AbortController();
  const heartbeat = setInterval(() => {
    for (const handle of active.values()) {
      void handle.update({ lease: leaseFor(deps.liveness.self, deps.clock) }).catch((error: unknown) => {
        deps.logger.error({ err: error, run_id: handle.record.meta.run_id }, "lease renewal failed");
      });
    }
  }, LEASE_TTL_MS / 3);
  heartbeat.unref();
  const queue = new RunQueue({
    store: deps.store,
    clock: deps.clock,
    timers: nodeTimers,
    concurrency: current.concurrency,
    runTimeoutMs: pipelineDeps.settings.runTimeoutMs,
    execute: async (run, signal) => {
      try {
        const observed: Partial<RunPipelineDeps> =
          onRunEvent && !onEvent ? { onEvent: (event) => onRunEvent(run.meta.run_id, event), echoOutput: false } : {};
        const done = await runPipeline(run, { ...pipelineDeps, ...observed, onActive: (h) => active.set(run.meta.run_id, h) }, signal);
        deps.logger.info({ run_id: run.meta.run_id, outcome: done.state.outcome }, "run finished");
        return done;
      } catch (error) {
        const handle = active.get(run.meta.run_id);
        if (!(error instanceof QuireError && error.code === "run_not_finished") || handle === undefined) throw error;
        // Still in `active`, so its lease stays renewed while the move is retried.
        return await finishLater(handle, error.message, stopping.signal, deps.logger);
      } finally {
        active.delete(run.meta.run_id);
        options.onSettled?.(run);
      }
    },
    onError: (run, error) => deps.logger.error({ err: error, run_id: run.meta.run_id }, "run crashed"),
  });
  return {
    queue,
    async stop() {
      stopping.abort();
      clearInterval(heartbeat);
      await queue.stopAll("the server is shutting down");
    },
    reload(next) {
      const before = current;
      current = next;
      pipelineDeps.settings = settingsOf(next);
      if (next.executor !== before.executor || JSON.stringify(next.docker) !== JSON.stringify(before.docker)) {
        pipelineDeps.executor = deps.executorFor(next);
      }
      queue.reconfigure({ concurrency: next.concurrency, runTimeoutMs: pipelineDeps.settings.runTimeoutMs });
      const changed: string[] = RESTART_KEYS.filter((key) => JSON.stringify(next[key]) !== JSON.stringify(before[key]));
      // The pipeline runtime is made once, with or without its spare child; memory_mb applies per run.
      if (next.pipeline.spare !== before.pipeline.spare) changed.push("pipeline.spare");
      return changed;
    },
  };
}
