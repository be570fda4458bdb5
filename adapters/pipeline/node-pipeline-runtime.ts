/**
 * PipelineRuntime on Node: bundle the pipeline with esbuild, evaluate it in a child Node
 * process under the permission model, and hand back a session once it has listed its jobs.
 */
import { rmSync } from "node:fs";
import { realpath, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { relative, resolve, sep } from "node:path";
import type { JobSpec, LoadResult, PipelineRuntime } from "../../core/exec-ports.ts";
import { QuireError } from "../../core/errors.ts";
import { err, ok, type Result } from "../../core/result.ts";
import { bundlePipeline } from "./bundle-pipeline.ts";
import { PipelineChild } from "./pipeline-child.ts";
import { NodePipelineSession } from "./pipeline-session.ts";
import { atServerExit } from "./server-exit.ts";

export interface NodePipelineRuntimeOptions {
  /** Where bundle directories are created; default the OS temp dir. */
  tempDir?: string;
  /** The node binary for the child; default the server's own. */
  nodePath?: string;
  /** Resident memory allowed beyond the heap limit (Buffers live outside the heap); null: no cap. Default 256. */
  offHeapMb?: number | null;
  /** The child's whole environment; default empty, so no server variable reaches pipeline code. */
  env?: Record<string, string>;
}

export function createNodePipelineRuntime(options: NodePipelineRuntimeOptions = {}): PipelineRuntime {
  const offHeapMb = options.offHeapMb === undefined ? 256 : options.offHeapMb;
  return {
    async load({ workspace, pipelinePath, limits, signal, processes }): Promise<LoadResult> {
      if (signal.aborted) return { kind: "error", message: "cancelled" };
      const located = await locate(workspace, pipelinePath);
      if (!located.ok) return { kind: "error", message: located.error };
      const { root, entry } = located.value;

      const tempRoot = await realpath(options.tempDir ?? tmpdir());
      const bundle = await bundlePipeline({ workspace: root, entry, tempRoot });
      // Messages carry no "pipeline X failed" prefix: the caller says which pipeline it loaded.
      if (!bundle.ok) return { kind: "error", message: bundle.error };
      const { dir } = bundle.value;
      const forget = atServerExit(() => rmSync(dir, { recursive: true, force: true }));
      const removeBundle = async (): Promise<void> => {
        forget();
        await rm(dir, { recursive: true, force: true });
      };
      if (signal.aborted) {
        await removeBundle();
        return { kind: "error", message: "cancelled" };
      }

      const child = new PipelineChild({
        nodePath: options.nodePath ?? process.execPath,
        bundle: bundle.value,
        workspace: root,
        limits,
        signal,
        rssLimitMb: offHeapMb === null ? undefined : limits.memoryMb + offHeapMb,
        env: options.env ?? {},
        ...(processes === undefined ? {} : { processes }),
      });
      try {
        await child.registered;
      } catch (error) {
        // Unrecorded, a SIGKILLed server would leave it running: do not run it at all.
        await child.kill("its process group could not be recorded");
        await removeBundle();
        throw new QuireError("pipeline_untracked", `could not record the pipeline process: ${(error as Error).message}`, { cause: error });
      }
      const loaded = await firstReport(child);
      // The module is in the child's memory now; removing the file at once means even a
      // SIGKILLed server leaves no bundle behind.
      await removeBundle();
      if (loaded.ok) return { kind: "loaded", session: new NodePipelineSession(child, loaded.value) };
      await child.kill("the pipeline did not load");
      return { kind: "error", message: loaded.error };
    },
  };
}

/** The child's first word: its jobs, or why it could not load (including dying or hanging). */
function firstReport(child: PipelineChild): Promise<Result<JobSpec[], string>> {
  return new Promise((done) => {
    child.onMessage((message) => {
      if (message.type === "loaded") done(ok(message.jobs));
      else if (message.type === "load-error") done(err(message.message));
      else void child.kill(`it sent "${message.type}" before it had loaded`);
    });
    child.onDeath((reason) => done(err(reason)));
  });
}

async function locate(workspace: string, pipelinePath: string): Promise<Result<{ root: string; entry: string }, string>> {
  const root = await realpath(workspace).catch(() => undefined);
  if (root === undefined) return err(`workspace ${workspace} does not exist`);
  const entry = resolve(root, pipelinePath);
  if (!entry.startsWith(root + sep)) return err(`pipeline path ${JSON.stringify(pipelinePath)} is outside the workspace`);
  const isFile = await stat(entry).then(
    (info) => info.isFile(),
    () => false,
  );
  return isFile ? ok({ root, entry }) : err(`pipeline file ${relative(root, entry)} not found in the workspace`);
}
