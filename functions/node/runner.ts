import { availableParallelism } from "node:os";
import { nodeTimers } from "../../adapters/clock/node-timers.ts";
import { fsLogReader } from "../../adapters/logs/fs-log-reader.ts";
import { FsRunFiles } from "../../adapters/logs/fs-run-files.ts";
import { ProcessRegistry } from "../../adapters/process/process-registry.ts";
import { configSecrets } from "../../adapters/secrets/config-secrets.ts";
import type { FsLayout } from "../../adapters/storage/fs-layout.ts";
import { FsWorkspaceFiles } from "../../adapters/workspace/fs-workspace-files.ts";
import { GitWorkspaces } from "../../adapters/workspace/git-workspaces.ts";
import { registeredGitDir } from "../../adapters/git/repo-registry-file.ts";
import type { Executor } from "../../core/ports/exec.ts";
import type { LogReader, RunFiles } from "../../core/ports/run-files.ts";
import type { Workspaces } from "../../core/ports/workspaces.ts";
import { LEASE_TTL_MS, leaseFor } from "../../core/run/lease.ts";
import type { RunEvent, RunEventListener } from "../../core/pipeline/run-events.ts";
import type { Clock } from "../../core/ports/clock-ids.ts";
import type { ContainerJanitor } from "../../core/ports/janitors.ts";
import type { Liveness } from "../../core/ports/liveness.ts";
import type { Logger } from "../../core/ports/logger.ts";
import type { RunStore } from "../../core/ports/storage.ts";
import type { RunHandle } from "../../core/run/run-handle.ts";
import type { RepoName, RunRecord } from "../../core/types.ts";
import { runPipeline, type RunPipelineDeps } from "../../core/run/run-pipeline.ts";
import { RunQueue } from "../../core/queue/run-queue.ts";
import type { QuireConfig } from "./config.ts";
import type { Home } from "./home.ts";
import { lazyContainerJanitor, lazyExecutor, lazyPipelineRuntime } from "./lazy-adapters.ts";
import { sandboxSetup, type SandboxSetup } from "./sandbox-setup.ts";
import { scopedTempDir } from "./scoped-temp.ts";

export interface RunnerBase {
  store: RunStore;
  /** Run directories on disk; absent when `files` and `logs` keep run files elsewhere (PostgreSQL). */
  layout?: FsLayout;
  files?: RunFiles;
  logs?: LogReader;
  clock: Clock;
  liveness: Liveness;
  logger: Logger;
}

export interface Runner {
  queue: RunQueue;
  files: RunFiles;
  logs: LogReader;
  processes: ProcessRegistry;
  workspaces: GitWorkspaces;
  containers?: ContainerJanitor;
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

/** `scope` keeps servers of different homes on one docker engine from reaping each other's containers. */
export function executorFor(config: QuireConfig, clock: Clock, scope: string, sandbox: () => Promise<SandboxSetup | undefined> = async () => undefined): Executor {
  if (config.executor === "host") {
    return lazyExecutor("host", async () => {
      const setup = await sandbox();
      const { createHostExecutor } = await import("../../adapters/executor/host-executor.ts");
      if (setup === undefined) return createHostExecutor();
      // Jobs must not see the home (hook.token, repos, other runs) nor a secret's file, even where /etc is mounted.
      const hide = [scope, ...Object.values(config.secrets).flatMap((spec) => (typeof spec === "object" && "file" in spec ? [spec.file] : []))];
      return createHostExecutor({ sandbox: { bwrapPath: setup.bwrapPath, user: setup.ids, network: config.host.network, hide } });
    });
  }
  return lazyExecutor("docker", async () =>
    (await import("../../adapters/executor/docker-executor.ts")).createDockerExecutor({
      clock,
      scope,
      network: config.docker.network,
      ...(config.docker.image === undefined ? {} : { defaultImage: config.docker.image }),
      ...(config.docker.cpus === undefined ? {} : { cpus: config.docker.cpus }),
      ...(config.docker.memory_mb === undefined ? {} : { memoryMb: config.docker.memory_mb }),
    }),
  );
}

export interface RunnerOptions {
  onEvent?: RunEventListener;
  /** Progress of every run the queue executes, by run id, without output lines (the web view's live job states). */
  onRunEvent?: (runId: string, event: RunEvent) => void;
  /** Where a repo's objects are read from; `quire ci run` points it at the local checkout. */
  gitDirOf?: (repo: RepoName) => string;
  /** Where workspaces come from instead of the home's bare repos (runners on other hosts fetch them). */
  workspaces?: Workspaces;
  /** Told when a run this runner took has ended, however it ended (a slot is free again). */
  onSettled?: (run: RunRecord) => void;
  /** bubblewrap as probed at start; without it the first run probes (`sandbox: off` runs bare). */
  sandbox?: SandboxSetup;
}

/**
 * Wires the run queue to real adapters: git workspaces, the configured executor, the
 * sandboxed pipeline runtime, files under the run directory. Active runs renew their
 * lease on a heartbeat so a cron reconcile never takes a live run for an orphan.
 */
export function createRunner(home: Home, config: QuireConfig, base: RunnerBase, options: RunnerOptions = {}): Runner {
  const { onEvent, onRunEvent, gitDirOf } = options;
  let current = config;
  const files = base.files ?? new FsRunFiles(requireLayout(base), base.clock);
  const processes = new ProcessRegistry(home.processes);
  // Probed once, on first use, unless the caller probed at start; `sandbox: off` has none.
  let probing: Promise<SandboxSetup | undefined> | undefined;
  const sandbox = (): Promise<SandboxSetup | undefined> =>
    (probing ??= options.sandbox !== undefined || config.sandbox === "off" ? Promise.resolve(options.sandbox) : sandboxSetup(config, (line) => base.logger.warn({}, line)));
  const executor = executorFor(config, base.clock, home.root, sandbox);
  // Also the janitor of <home>/workspaces, whichever Workspaces materializes them.
  const workspaces = new GitWorkspaces({
    reposRoot: home.repos,
    root: home.workspaces,
    keep: config.keep_workspaces,
    // Repos registered where they live (`quire repo add`) are read there.
    gitDirOf: gitDirOf ?? registeredGitDir(home),
  });
  const pipelineDeps: RunPipelineDeps = {
    store: base.store,
    files,
    workspaces: options.workspaces ?? workspaces,
    workspaceFiles: new FsWorkspaceFiles(),
    executor,
    runtime: lazyPipelineRuntime(async () => {
      // No sandbox, no run: a caller that did not probe at start gets the probe here.
      const setup = await sandbox();
      const { createNodePipelineRuntime } = await import("../../adapters/pipeline/node-pipeline-runtime.ts");
      return createNodePipelineRuntime({ tempDir: await scopedTempDir(home), ...(setup === undefined ? {} : { sandbox: setup }) });
    }),
    // Read at each run's start, so a reloaded config.yml's secrets apply without a restart.
    secrets: { resolveAll: () => configSecrets(current.secrets).resolveAll() },
    clock: base.clock,
    liveness: base.liveness,
    processes: (runId) => processes.tracker(runId),
    settings: settingsOf(config),
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
        const observed: Partial<RunPipelineDeps> =
          onRunEvent && !onEvent ? { onEvent: (event) => onRunEvent(run.meta.run_id, event), echoOutput: false } : {};
        const done = await runPipeline(run, { ...pipelineDeps, ...observed, onActive: (h) => active.set(run.meta.run_id, h) }, signal);
        base.logger.info({ run_id: run.meta.run_id, outcome: done.state.outcome }, "run finished");
        return done;
      } finally {
        active.delete(run.meta.run_id);
        options.onSettled?.(run);
      }
    },
    onError: (run, error) => base.logger.error({ err: error, run_id: run.meta.run_id }, "run crashed"),
  });
  return {
    queue,
    files,
    logs: base.logs ?? fsLogReader(requireLayout(base)),
    processes,
    workspaces,
    ...(config.executor === "docker" ? { containers: lazyContainerJanitor(async () => (await import("../../adapters/executor/docker-janitor.ts")).createDockerJanitor({ scope: home.root })) } : {}),
    async stop() {
      clearInterval(heartbeat);
      await queue.stopAll("the server is shutting down");
    },
    reload(next) {
      const before = current;
      current = next;
      pipelineDeps.settings = settingsOf(next);
      if (next.executor !== before.executor || JSON.stringify(next.docker) !== JSON.stringify(before.docker)) {
        pipelineDeps.executor = executorFor(next, base.clock, home.root);
      }
      queue.reconfigure({ concurrency: next.concurrency, runTimeoutMs: pipelineDeps.settings.runTimeoutMs });
      return RESTART_KEYS.filter((key) => JSON.stringify(next[key]) !== JSON.stringify(before[key]));
    },
  };
}

function requireLayout(base: RunnerBase): FsLayout {
  if (!base.layout) throw new Error("createRunner: a base without a layout must bring files and logs");
  return base.layout;
}
