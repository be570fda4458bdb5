/**
 * What runs in the sandboxed child. The bundle's entry calls `runChild` with a loader for the
 * pipeline module, bundled into the same file, so `job()` registers into the SDK instance
 * this runner reads. The child only collects and runs jobs; the server validates the graph.
 */
import type { JobReturn } from "../../core/ports/pipeline-runtime.ts";
import type { Result } from "../../core/result.ts";
import { sealJobs, type JobDefinition } from "../../sdk/ci.ts";
import { createJobContext, type CallServer } from "./child-context.ts";
import { errorText } from "./error-text.ts";
import { jobReturnOf } from "./job-return.ts";
import type { ChildMessage, RunMessage, ServerMessage } from "./protocol.ts";

export async function runChild(loadPipeline: () => Promise<unknown>): Promise<void> {
  if (process.send === undefined) {
    process.stderr.write("quire pipeline runner: started without an IPC channel\n");
    process.exitCode = 2;
    return;
  }
  const send = (message: ChildMessage): void => {
    // The server went away: nothing is left to report to.
    if (!process.connected) process.exit(0);
    process.send?.(message);
  };
  process.on("disconnect", () => process.exit(0));

  // Errors name lines relative to the workspace, though the child may not read it: outside a
  // sandbox it is the cwd, inside one it is not mounted and only its path is passed.
  const workspace = process.env.QUIRE_WORKSPACE ?? process.cwd();
  let definitions: readonly JobDefinition[];
  try {
    await loadPipeline();
    definitions = sealJobs();
  } catch (thrown) {
    // The server kills the process once it has the message; leftover timers cannot keep it.
    send({ type: "load-error", message: errorText(thrown, workspace) });
    return;
  }

  const replies = new Map<number, (result: Result<unknown, string>) => void>();
  let nextCall = 1;

  const runJob = async (message: RunMessage): Promise<JobReturn> => {
    const definition = definitions.find((candidate) => candidate.id === message.job);
    if (definition === undefined) return { kind: "failed", error: `this pipeline has no job "${message.job}"` };
    const callServer: CallServer = (method, args) => {
      const call = nextCall++;
      send({ type: "call", run: message.run, call, method, args } as ChildMessage);
      return new Promise((resolve) => replies.set(call, resolve as (result: Result<unknown, string>) => void));
    };
    const scope = createJobContext(message, callServer);
    try {
      return jobReturnOf(message.job, await definition.run(scope.context));
    } catch (thrown) {
      return { kind: "failed", error: errorText(thrown, workspace) };
    } finally {
      scope.finish();
    }
  };

  process.on("message", (raw) => {
    const message = raw as ServerMessage;
    if (message.type === "reply") {
      const resolve = replies.get(message.call);
      replies.delete(message.call);
      resolve?.(message.result);
    } else if (message.type === "run") {
      void runJob(message).then((result) => send({ type: "done", run: message.run, result }));
    }
  });
  send({ type: "loaded", jobs: definitions.map(({ id, inputs }) => ({ id, inputs })) });
}
