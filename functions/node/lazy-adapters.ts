/**
 * Ports whose adapter module is imported on first use. The server starts without esbuild,
 * the pipeline runtime or the docker client in memory; the first run pays for them once.
 */
import type { Executor } from "../../core/ports/exec.ts";
import type { PipelineRuntime } from "../../core/ports/pipeline-runtime.ts";
import type { ContainerJanitor } from "../../core/ports/janitors.ts";

function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load();
    // A failed import is tried again next time rather than remembered for good.
    loading.catch(() => (loading = undefined));
    return loading;
  };
}

export function lazyExecutor(kind: string, load: () => Promise<Executor>): Executor {
  const executor = once(load);
  return { kind, open: async (context) => (await executor()).open(context) };
}

export function lazyPipelineRuntime(load: () => Promise<PipelineRuntime>): PipelineRuntime {
  const runtime = once(load);
  return {
    load: async (input) => (await runtime()).load(input),
    start: (input) => {
      const started = runtime().then((loaded) => loaded.start(input));
      // A runtime that failed to load reports it from load(); abandon has nothing to end.
      started.catch(() => undefined);
      return {
        load: async (where) => (await started).load(where),
        abandon: async () => (await started.catch(() => undefined))?.abandon(),
      };
    },
  };
}

export function lazyContainerJanitor(load: () => Promise<ContainerJanitor>): ContainerJanitor {
  const janitor = once(load);
  return {
    listRunContainers: async () => (await janitor()).listRunContainers(),
    remove: async (containerId) => (await janitor()).remove(containerId),
  };
}
