import { join } from "node:path";
import { registeredGitDir } from "../../adapters/git/repo-registry-file.ts";
import { ProcessRegistry } from "../../adapters/process/process-registry.ts";
import { FsWorkspaceFiles } from "../../adapters/workspace/fs-workspace-files.ts";
import { GitWorkspaces } from "../../adapters/workspace/git-workspaces.ts";
import type { Clock } from "../../core/ports/clock-ids.ts";
import type { Executor } from "../../core/ports/exec.ts";
import type { ContainerJanitor } from "../../core/ports/janitors.ts";
import { withSlotDirs } from "../../adapters/executor/slot-dir-janitor.ts";
import type { Logger } from "../../core/ports/logger.ts";
import type { RepoName } from "../../core/types.ts";
import type { QuireConfig } from "./config.ts";
import type { HomeDeps } from "./home-deps.ts";
import type { Home } from "./home.ts";
import { lazyContainerJanitor, lazyExecutor, lazyPipelineRuntime } from "./lazy-adapters.ts";
import { sandboxSetup, type SandboxSetup } from "./sandbox-setup.ts";
import { scopedTempDir } from "./scoped-temp.ts";

export interface ExecutionOptions {
  /** bubblewrap as probed at start; without it the first run probes (`sandbox: off` runs bare). */
  sandbox?: SandboxSetup;
  /** Where a repo's objects are read from; `quire ci run` points it at the local checkout. */
  gitDirOf?: (repo: RepoName) => string;
}

/** Where the executor is not docker there are no run containers to look for. */
const noContainers: ContainerJanitor = { listRunContainers: async () => [], remove: async () => undefined };

/**
 * The half of a home that executes runs and cleans up after them: executor, pipeline runtime,
 * workspaces, process groups, janitors. Docker, esbuild and the sandbox code load on first
 * use, so a command that never runs a run never pays for them.
 */
export async function wireExecution(
  home: Home,
  config: QuireConfig,
  base: { clock: Clock; logger: Logger },
  options: ExecutionOptions = {},
): Promise<Pick<HomeDeps, "executor" | "executorFor" | "runtime" | "workspaces" | "workspaceFiles" | "processTracker" | "janitors">> {
  // Probed once, on first use, unless the caller probed at start; `sandbox: off` has none.
  let probing: Promise<SandboxSetup | undefined> | undefined;
  const sandbox = (): Promise<SandboxSetup | undefined> =>
    (probing ??= options.sandbox !== undefined || config.sandbox === "off" ? Promise.resolve(options.sandbox) : sandboxSetup(config, (line) => base.logger.warn({}, line)));
  const executorFor = (next: QuireConfig) => executorOf(next, base.clock, home.root, sandbox);
  const processes = new ProcessRegistry(home.processes);
  // Also the janitor of <home>/workspaces, whichever Workspaces materializes them.
  const local = new GitWorkspaces({
    reposRoot: home.repos,
    root: home.workspaces,
    keep: config.keep_workspaces,
    // Repos registered where they live (`quire repo add`) are read there.
    gitDirOf: options.gitDirOf ?? registeredGitDir(home),
  });
  const cloneUrl = config.source.clone_url;
  // Runners on other hosts than the server's fetch sources from `source.clone_url` (a shared store only).
  const workspaces =
    config.store.kind === "postgres" && cloneUrl !== undefined
      ? new (await import("../../adapters/workspace/fetch-workspaces.ts")).FetchWorkspaces({ cloneUrl, cacheRoot: join(home.root, "cache"), root: home.workspaces, keep: config.keep_workspaces })
      : local;
  return {
    executor: executorFor(config),
    executorFor,
    runtime: lazyPipelineRuntime(async () => {
      // No sandbox, no run: a caller that did not probe at start gets the probe here.
      const setup = await sandbox();
      const { createNodePipelineRuntime } = await import("../../adapters/pipeline/node-pipeline-runtime.ts");
      // A spare child is booted after each run, so the next push skips Node's start (unless `pipeline.spare: false`).
      return createNodePipelineRuntime({ tempDir: await scopedTempDir(home), spare: config.pipeline.spare, ...(setup === undefined ? {} : { sandbox: setup }) });
    }),
    workspaces,
    workspaceFiles: new FsWorkspaceFiles(),
    processTracker: (runId) => processes.tracker(runId),
    janitors: {
      processes,
      workspaces: withSlotDirs(local, home.workspaces),
      containers:
        config.executor === "docker"
          ? lazyContainerJanitor(async () => (await import("../../adapters/executor/docker-janitor.ts")).createDockerJanitor({ scope: home.root }))
          : noContainers,
    },
  };
}

/** `scope` keeps servers of different homes on one docker engine from reaping each other's containers. */
function executorOf(config: QuireConfig, clock: Clock, scope: string, sandbox: () => Promise<SandboxSetup | undefined>): Executor {
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
