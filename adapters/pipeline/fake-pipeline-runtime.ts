import { QuireError } from "../../core/errors.ts";
import type { JobReturn, PipelineHost, PipelineRuntime, PipelineSession } from "../../core/ports/pipeline-runtime.ts";
import { err, ok, type Result } from "../../core/result.ts";
import type { JobDefinition } from "../../sdk/ci.ts";
import { createJobContext, type CallServer } from "./child-context.ts";
import { errorText } from "./error-text.ts";
import { jobReturnOf } from "./job-return.ts";
import type { CallArgs, CallResults } from "./protocol.ts";

/** A pipeline as the fake runtime knows it: job definitions, or the error loading would give. */
export type FakePipeline = { jobs: JobDefinition[] } | { loadError: string };

/**
 * Runs pipeline jobs in-process for the fast core tests: no sandbox, no IPC, but the very
 * job context the sandboxed child builds (createJobContext) and the same relay of calls to
 * the host as the real session, so the two cannot drift apart in what a job sees.
 */
export class FakePipelineRuntime implements PipelineRuntime {
  constructor(private readonly pipelineFor: (workspace: string, pipelinePath: string) => FakePipeline | undefined) {}

  start(input: Parameters<PipelineRuntime["start"]>[0]) {
    // Loaded or abandoned, a start is used up, as the sandboxed child's is.
    let used = false;
    return {
      load: async (where: { workspace: string; pipelinePath: string }) => {
        if (used) throw new QuireError("pipeline_loaded_twice", "a started pipeline runtime loads once");
        used = true;
        return this.load({ ...input, ...where });
      },
      abandon: async () => {
        used = true;
      },
    };
  }

  async load(input: Parameters<PipelineRuntime["load"]>[0]) {
    const pipeline = this.pipelineFor(input.workspace, input.pipelinePath);
    if (!pipeline) return { kind: "error" as const, message: `${input.pipelinePath}: no such pipeline` };
    if ("loadError" in pipeline) return { kind: "error" as const, message: pipeline.loadError };
    const jobs = pipeline.jobs.map((j) => ({ id: j.id, inputs: [...j.inputs] }));
    let nextRun = 1;
    const session: PipelineSession = {
      jobs,
      runJob: (id, host) => {
        const definition = pipeline.jobs.find((j) => j.id === id);
        if (!definition) return Promise.resolve({ kind: "failed", error: `this pipeline has no job "${id}"` });
        return runDefinition(definition, host, jobs, nextRun++, input.workspace);
      },
      close: async () => undefined,
    };
    return { kind: "loaded" as const, session };
  }
}

async function runDefinition(
  definition: JobDefinition,
  host: PipelineHost,
  specs: { id: string; inputs: string[] }[],
  run: number,
  workspace: string,
): Promise<JobReturn> {
  // As the real session does: jobs() is synchronous, so every name is resolved up front.
  const visible: Record<string, Result<Record<string, unknown>, string>> = {};
  for (const name of new Set(specs.flatMap((spec) => [spec.id, ...spec.inputs]))) visible[name] = host.jobs(name);
  const inflight = new Set<Promise<unknown>>();
  let broken: { error: unknown } | undefined;
  const callServer = ((method: keyof CallArgs, args: CallArgs[keyof CallArgs]) => {
    // Crossing IPC copies values both ways; structuredClone keeps that from being forgotten here.
    const task = callHost(host, method, structuredClone(args) as never).then(
      (result) => structuredClone(result),
      (error: unknown) => {
        broken ??= { error };
        return err("quire could not complete this call");
      },
    );
    inflight.add(task);
    void task.finally(() => inflight.delete(task));
    return task;
  }) as CallServer;
  const scope = createJobContext({ type: "run", run, job: definition.id, visible: structuredClone(visible) }, callServer);
  let result: JobReturn;
  try {
    result = jobReturnOf(definition.id, await definition.run(scope.context));
  } catch (thrown) {
    result = { kind: "failed", error: errorText(thrown, workspace) };
  } finally {
    scope.finish();
  }
  // A job's calls finish before its result counts, as in the real session.
  await Promise.allSettled([...inflight]);
  if (broken) throw broken.error;
  return result;
}

async function callHost<M extends keyof CallArgs>(host: PipelineHost, method: M, args: CallArgs[M]): Promise<Result<CallResults[M], string>> {
  const call = { method, args } as { [K in keyof CallArgs]: { method: K; args: CallArgs[K] } }[keyof CallArgs];
  switch (call.method) {
    case "sh":
      return (await host.sh(call.args)) as Result<CallResults[M], string>;
    case "secret":
      return (await host.secret(call.args.name)) as Result<CallResults[M], string>;
    case "log":
      await host.log(call.args.message);
      return ok(null) as Result<CallResults[M], string>;
    case "readFile":
      return (await host.readFile(call.args.path)) as Result<CallResults[M], string>;
    case "writeFile":
      return (await host.writeFile(call.args.path, call.args.data)) as Result<CallResults[M], string>;
  }
}
