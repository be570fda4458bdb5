/**
 * PipelineRuntime on Node: bundle the pipeline with esbuild while a child Node process starts
 * under the permission model, have the child evaluate the bundle, and hand back a session once
 * it has listed its jobs.
 */
import { chownSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { chown, realpath, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve, sep } from "node:path";
import type { JobSpec, LoadResult, PipelineRuntime, PipelineStart, PipelineStartInput } from "../../core/ports/pipeline-runtime.ts";
import { QuireError } from "../../core/errors.ts";
import { err, ok, type Result } from "../../core/result.ts";
import { bundlePipeline } from "./bundle-pipeline.ts";
import { PipelineChild, type ChildSandbox } from "./pipeline-child.ts";
import { NodePipelineSession } from "./pipeline-session.ts";
import { atServerExit } from "./server-exit.ts";
import { SpareSlot, type Started } from "./spare-child.ts";

export interface NodePipelineRuntimeOptions {
  /** Where bundle directories are created; default the OS temp dir. */
  tempDir?: string;
  /** The node binary for the child; default the server's own. */
  nodePath?: string;
  /** Resident memory allowed beyond the heap limit (Buffers live outside the heap); null: no cap. Default 256. */
  offHeapMb?: number | null;
  /** The child's whole environment; default empty, so no server variable reaches pipeline code. */
  env?: Record<string, string>;
  /** bubblewrap around the child; undefined runs it under Node's permission model alone (`sandbox: off`). */
  sandbox?: ChildSandbox;
  /**
   * Keep one sandboxed child booted for the next run, begun when a run's child has ended:
   * Node's start is the longest step between a push and its first job. A spare keeps nothing
   * of the process alive and is killed, its directory removed, when the process exits.
   */
  spare?: boolean;
}

/** A spare waits for no run: nothing aborts it but its own kill. */
const NO_RUN = new AbortController().signal;

export function createNodePipelineRuntime(options: NodePipelineRuntimeOptions = {}): PipelineRuntime {
  const offHeapMb = options.offHeapMb === undefined ? 256 : options.offHeapMb;

  /**
   * The child and the directory its bundle goes to; the child boots while esbuild bundles.
   * The directory is made synchronously (microseconds on a local disk), so a started child is
   * spawned within start(), before the workspace's git processes: its boot is the longest step.
   */
  const spawnChild = async (input: PipelineStartInput, workspace: string | undefined, spare = false): Promise<Started> => {
    const { limits, signal, processes } = input;
    const tempRoot = realpathSync(options.tempDir ?? tmpdir());
    const dir = mkdtempSync(join(tempRoot, "quire-pipeline-"));
    const forget = atServerExit(() => rmSync(dir, { recursive: true, force: true }));
    const ids = options.sandbox?.ids;
    try {
      // The sandbox's user must read its bundle; nobody else may (mkdtemp made it 0700).
      if (ids !== undefined) chownSync(dir, ids.uid, ids.gid);
      const child = new PipelineChild({
        nodePath: options.nodePath ?? process.execPath,
        bundleDir: dir,
        workspace,
        limits,
        signal,
        rssLimitMb: offHeapMb === null ? undefined : limits.memoryMb + offHeapMb,
        env: options.env ?? {},
        ...(processes === undefined ? {} : { processes }),
        ...(options.sandbox === undefined ? {} : { sandbox: options.sandbox }),
        ...(spare ? { spare } : {}),
      });
      return { child, dir, forget };
    } catch (error) {
      forget();
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  };

  const loadInto = async (started: Started, root: string, entry: string, signal: AbortSignal): Promise<LoadResult> => {
    const { child, dir, forget } = started;
    const ids = options.sandbox?.ids;
    const bundling = bundlePipeline({ workspace: root, entry, tempRoot: dir }).then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    const removeBundle = async (): Promise<void> => {
      // esbuild may still be writing: removing before it is done would leave its file behind.
      await bundling;
      forget();
      await rm(dir, { recursive: true, force: true });
    };
    const abandon = async (why: string): Promise<void> => {
      await child.kill(why);
      await removeBundle();
    };
    try {
      await child.registered;
    } catch (error) {
      // Unrecorded, a SIGKILLed server would leave it running: do not run it at all.
      await abandon("its process group could not be recorded");
      throw new QuireError("pipeline_untracked", `could not record the pipeline process: ${(error as Error).message}`, { cause: error });
    }
    const bundle = await bundling;
    if ("error" in bundle) {
      await abandon("the pipeline could not be bundled");
      throw bundle.error;
    }
    // Messages carry no "pipeline X failed" prefix: the caller says which pipeline it loaded.
    if (!bundle.result.ok) {
      await abandon("the pipeline could not be bundled");
      return { kind: "error", message: bundle.result.error };
    }
    if (signal.aborted) {
      await abandon("cancelled");
      return { kind: "error", message: "cancelled" };
    }
    if (ids !== undefined) {
      const { dir: inner, file } = bundle.result.value;
      try {
        await chown(inner, ids.uid, ids.gid);
        await chown(file, ids.uid, ids.gid);
      } catch (error) {
        await abandon("its bundle could not be handed to the sandbox user");
        throw new QuireError("pipeline_bundle_failed", `could not hand the bundle to uid ${ids.uid}: ${(error as Error).message}`, { cause: error });
      }
    }
    const reported = firstReport(child);
    child.load(bundle.result.value.file, root);
    const loaded = await reported;
    // The module is in the child's memory now; removing the file at once means even a
    // SIGKILLed server leaves no bundle behind.
    await removeBundle();
    if (loaded.ok) return { kind: "loaded", session: new NodePipelineSession(child, loaded.value) };
    await child.kill("the pipeline did not load");
    return { kind: "error", message: loaded.error };
  };

  /** Ends a child that will get no bundle, and its directory. */
  const discard = async (started: Started, why: string): Promise<void> => {
    await started.child.kill(why);
    started.forget();
    await rm(started.dir, { recursive: true, force: true });
  };

  const spare = options.spare === true && options.sandbox !== undefined ? new SpareSlot({ spawn: (limits) => spawnChild({ limits, signal: NO_RUN }, undefined, true), discard }) : undefined;

  const start = (input: PipelineStartInput): PipelineStart => {
    // Only a sandboxed child can start without its workspace: a bare one runs in it.
    const early = options.sandbox !== undefined && !input.signal.aborted ? (spare?.take(input, () => spawnChild(input, undefined)) ?? spawnChild(input, undefined)) : undefined;
    early?.catch(() => undefined);
    let used = false;
    return {
      async load({ workspace, pipelinePath }) {
        if (used) throw new QuireError("pipeline_loaded_twice", "a started pipeline runtime loads once");
        used = true;
        const located = input.signal.aborted ? err("cancelled") : await locate(workspace, pipelinePath);
        if (!located.ok) {
          const started = await early?.catch(() => undefined);
          if (started !== undefined) await discard(started, "the pipeline could not be located");
          return { kind: "error", message: located.error };
        }
        const { root, entry } = located.value;
        const started = await (early ?? spawnChild(input, root));
        // The next spare boots once this run's child has ended: a fork of the server and Node's
        // start then compete with no run's jobs, and the next push still finds it booted.
        if (spare !== undefined) void started.child.closed.then(() => spare.fill(input.limits));
        return loadInto(started, root, entry, input.signal);
      },
      async abandon() {
        if (used) return;
        used = true;
        const started = await early?.catch(() => undefined);
        if (started !== undefined) await discard(started, "the run ended before its pipeline loaded");
      },
    };
  };

  return {
    start,
    async load({ workspace, pipelinePath, ...input }) {
      // The workspace is there already: a missing pipeline starts no process at all.
      const located = input.signal.aborted ? err("cancelled") : await locate(workspace, pipelinePath);
      if (!located.ok) return { kind: "error", message: located.error };
      return start(input).load({ workspace, pipelinePath });
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
