import { nodeTimers } from "../../adapters/clock/node-timers.ts";
import { createDockerExecutor } from "../../adapters/executor/docker-executor.ts";
import { createDockerJanitor } from "../../adapters/executor/docker-janitor.ts";
import { createHostExecutor } from "../../adapters/executor/host-executor.ts";
import { fsLogReader } from "../../adapters/logs/fs-log-reader.ts";
import { FsRunFiles } from "../../adapters/logs/fs-run-files.ts";
import { createNodePipelineRuntime } from "../../adapters/pipeline/node-pipeline-runtime.ts";
import { ProcessRegistry } from "../../adapters/process/process-registry.ts";
import { configSecrets } from "../../adapters/secrets/config-secrets.ts";
import type { FsLayout } from "../../adapters/storage/fs-layout.ts";
import { FsWorkspaceFiles } from "../../adapters/workspace/fs-workspace-files.ts";
import { GitWorkspaces } from "../../adapters/workspace/git-workspaces.ts";
import type { Executor } from "../../core/exec-ports.ts";
import { LEASE_TTL_MS, leaseFor } from "../../core/lease.ts";
import type { RunEventListener } from "../../core/pipeline/run-events.ts";
import type { Clock, ContainerJanitor, Liveness, Logger, RunStore } from "../../core/ports.ts";
import type { RunHandle } from "../../core/run-handle.ts";
import type { RepoName } from "../../core/types.ts";
import { runPipeline, type RunPipelineDeps } from "../../core/run-pipeline.ts";
import { RunQueue } from "../../core/run-queue.ts";
import type { QuireConfig } from "./config.ts";
import type { Home } from "./home.ts";
import type { SandboxSetup } from "./sandbox-setup.ts";

export interface RunnerBase {
  store: RunStore;
  layout: FsLayout;
  clock: Clock;
  liveness: Liveness;
  logger: Logger;
}

export interface Runner {
  queue: RunQueue;
  files: FsRunFiles;
  logs: ReturnType<typeof fsLogReader>;
  processes: ProcessRegistry;
  containers?: ContainerJanitor;
  /** Stops the heartbeat and every running run (graceful shutdown). */
  stop(): Promise<void>;
}

/** `scope` keeps servers of different homes on one docker engine from reaping each other's containers. */
export function executorFor(config: QuireConfig, clock: Clock, scope: string): Executor {
  if (config.executor === "host") return createHostExecutor();
  return createDockerExecutor({
    clock,
    scope,
    network: config.docker.network,
    ...(config.docker.image === undefined ? {} : { defaultImage: config.docker.image }),
    ...(config.docker.cpus === undefined ? {} : { cpus: config.docker.cpus }),
    ...(config.docker.memory_mb === undefined ? {} : { memoryMb: config.docker.memory_mb }),
  });
}

export interface RunnerOptions {
  onEvent?: RunEventListener;
  /** Where a repo's objects are read from; `quire ci run` points it at the local checkout. */
  gitDirOf?: (repo: RepoName) => string;
  /** bubblewrap for pipelines (and host jobs); undefined only with `sandbox: off`. */
  sandbox?: SandboxSetup;
}

/**
 * Wires the run queue to real adapters: git workspaces, the configured executor, the
 * sandboxed pipeline runtime, files under the run directory. Active runs renew their
 * lease on a heartbeat so a cron reconcile never takes a live run for an orphan.
 */
export function createRunner(home: Home, config: QuireConfig, base: RunnerBase, options: RunnerOptions = {}): Runner {
  const { onEvent, gitDirOf, sandbox } = options;
  const files = new FsRunFiles(base.layout, base.clock);
  const processes = new ProcessRegistry(home.processes);
  const executor = executorFor(config, base.clock, home.root);
  const pipelineDeps: RunPipelineDeps = {
    store: base.store,
    files,
    workspaces: new GitWorkspaces({
      reposRoot: home.repos,
      root: home.workspaces,
      keep: config.keep_workspaces,
      ...(gitDirOf ? { gitDirOf } : {}),
    }),
    workspaceFiles: new FsWorkspaceFiles(),
    executor,
    runtime: createNodePipelineRuntime(sandbox === undefined ? {} : { sandbox }),
    secrets: configSecrets(config.secrets),
    clock: base.clock,
    liveness: base.liveness,
    processes: (runId) => processes.tracker(runId),
    settings: {
      logCapBytes: config.log_cap_mb * 1024 * 1024,
      captureBytes: 1024 * 1024,
      pipelineMemoryMb: config.pipeline.memory_mb,
      runTimeoutMs: config.run_timeout_minutes * 60_000,
      ...(config.sandbox === "off" ? { sandbox: "off" as const } : {}),
    },
    ...(onEvent ? { onEvent } : {}),
  };
  const active = new Map<string, RunHandle>();
  const heartbeat = setInterval(() => {
    for (const handle of active.values()) {
      void handle.update({ lease: leaseFor(base.liveness.self, base.clock) }).catch((error: unknown) => {
        base.logger.error({ err: error, run_id: handle.record.meta.run_id }, "lease renewal failed");
      });
    }
  }, LEASE_TTL_MS / 3);
  heartbeat.unref();
  const queue = new RunQueue({
    store: base.store,
    clock: base.clock,
    timers: nodeTimers,
    concurrency: config.concurrency,
    runTimeoutMs: pipelineDeps.settings.runTimeoutMs,
    execute: async (run, signal) => {
      try {
        const done = await runPipeline(run, { ...pipelineDeps, onActive: (h) => active.set(run.meta.run_id, h) }, signal);
        base.logger.info({ run_id: run.meta.run_id, outcome: done.state.outcome }, "run finished");
        return done;
      } finally {
        active.delete(run.meta.run_id);
      }
    },
    onError: (run, error) => base.logger.error({ err: error, run_id: run.meta.run_id }, "run crashed"),
  });
  return {
    queue,
    files,
    logs: fsLogReader(base.layout),
    processes,
    ...(config.executor === "docker" ? { containers: createDockerJanitor({ scope: home.root }) } : {}),
    async stop() {
      clearInterval(heartbeat);
      await queue.stopAll("the server is shutting down");
    },
  };
}
