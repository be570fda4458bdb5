import type { JobReturn, PipelineHost, PipelineRuntime, PipelineSession } from "../../core/exec-ports.ts";
import { TYPE_ERROR } from "../../core/pipeline/type-error.ts";
import type { JobContext, JobDefinition, ShOptions } from "../../sdk/ci.ts";
import { fileDataOf, filePathOf } from "./file-data.ts";
import { errorText } from "./error-text.ts";
import { jobReturnOf } from "./job-return.ts";

/** A pipeline as the fake runtime knows it: job definitions, or the error loading would give. */
export type FakePipeline = { jobs: JobDefinition[] } | { loadError: string };

/**
 * Runs pipeline jobs in-process, with the SDK's semantics (sh rejects on non-zero unless
 * nothrow, skip() skips, a throw fails). No sandbox: for the fast core tests only. Files
 * go through the host, as they do from the real sandbox.
 */
export class FakePipelineRuntime implements PipelineRuntime {
  constructor(private readonly pipelineFor: (workspace: string, pipelinePath: string) => FakePipeline | undefined) {}

  async load(input: Parameters<PipelineRuntime["load"]>[0]) {
    const pipeline = this.pipelineFor(input.workspace, input.pipelinePath);
    if (!pipeline) return { kind: "error" as const, message: `${input.pipelinePath}: no such pipeline` };
    if ("loadError" in pipeline) return { kind: "error" as const, message: pipeline.loadError };
    const session: PipelineSession = {
      jobs: pipeline.jobs.map((j) => ({ id: j.id, inputs: [...j.inputs] })),
      runJob: async (id, host) => {
        const definition = pipeline.jobs.find((j) => j.id === id);
        if (!definition) return { kind: "failed", error: `no job ${id}` };
        return runDefinition(definition, host);
      },
      close: async () => undefined,
    };
    return { kind: "loaded" as const, session };
  }
}

async function runDefinition(definition: JobDefinition, host: PipelineHost): Promise<JobReturn> {
  const context: JobContext = {
    async sh(cmd: string | string[], options: ShOptions = {}) {
      const result = await host.sh({ cmd, ...options });
      if (!result.ok) throw result.error.startsWith(TYPE_ERROR) ? new TypeError(result.error.slice(TYPE_ERROR.length)) : new Error(result.error);
      if (result.value.exit !== 0 && options.nothrow !== true) {
        throw new Error(`sh ${JSON.stringify(result.value.cmd)} exited with ${result.value.exit}`);
      }
      return result.value;
    },
    jobs(name: string) {
      const result = host.jobs(name);
      if (!result.ok) throw new Error(result.error);
      return result.value as never;
    },
    async secret(name) {
      const result = await host.secret(name);
      if (!result.ok) throw new Error(result.error);
      return result.value;
    },
    async readFile(path) {
      const result = await host.readFile(filePathOf(path, "readFile"));
      if (!result.ok) throw new Error(result.error);
      return result.value;
    },
    async writeFile(path, data) {
      const result = await host.writeFile(filePathOf(path, "writeFile"), fileDataOf(data));
      if (!result.ok) throw new Error(result.error);
    },
    log: (message) => host.log(message),
  };
  try {
    return jobReturnOf(definition.id, await definition.run(context));
  } catch (error) {
    return { kind: "failed", error: errorText(error) };
  }
}
