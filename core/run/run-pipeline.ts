import { stringify } from "yaml";
import type { Executor, ExecSession, ProcessTracker } from "../ports/exec.ts";
import type { JobReturn, PipelineRuntime, PipelineSession, PipelineStart } from "../ports/pipeline-runtime.ts";
import type { Redactor, RunFiles } from "../ports/run-files.ts";
import type { SecretSource } from "../ports/secrets.ts";
import type { WorkspaceFiles, Workspaces } from "../ports/workspaces.ts";
import { leaseFor } from "./lease.ts";
import { executePipeline, type JobResult } from "../pipeline/execute.ts";
import { createJobHost } from "../pipeline/job-host.ts";
import { capError, outputsProblem } from "../pipeline/bounds.ts";
import { redactValue } from "../pipeline/redact-value.ts";
import type { RunEventListener } from "../pipeline/run-events.ts";
import { validatePipeline } from "../pipeline/validate.ts";
import type { Clock } from "../ports/clock-ids.ts";
import type { Liveness } from "../ports/liveness.ts";
import type { RunStore } from "../ports/storage.ts";
import { pushOutputs } from "./push-outputs.ts";
import { createRedactor } from "../logs/redact.ts";
import { describe, finishRun } from "./run-finish.ts";
import { resolveRunSecrets } from "./run-secrets.ts";
import { RunHandle } from "./run-handle.ts";
import { stopReasonOf } from "./stop-reason.ts";
import type { Outcome, RunRecord } from "../types.ts";
import { CONTAINER_FILE } from "./run-layout.ts";

export interface RunSettings {
  logCapBytes: number;
  captureBytes: number;
  pipelineMemoryMb: number;
  runTimeoutMs: number;
  /** `sandbox: off` in the server's config: recorded in every run's state. */
  sandbox?: "off";
  /** Jobs of one run that may run at once. */
  jobsPerRun: number;
}

export interface RunPipelineDeps {
  store: RunStore;
  files: RunFiles;
  workspaces: Workspaces;
  /** Where a job's readFile and writeFile land; the sandbox has no file access itself. */
  workspaceFiles: WorkspaceFiles;
  executor: Executor;
  runtime: PipelineRuntime;
  secrets: SecretSource;
  clock: Clock;
  liveness: Liveness;
  settings: RunSettings;
  /** Where the executor and the pipeline runtime report the process groups they start for a run. */
  processes?: (runId: string) => ProcessTracker;
  onEvent?: RunEventListener;
  /** false: no `output` events (saves splitting every log line when nobody needs them). */
  echoOutput?: boolean;
  /** Receives the handle once the run is active, so the runner can renew its lease. */
  onActive?: (handle: RunHandle) => void;
}

/** Infrastructure failure inside a run: the run ends `errored` with this message. */
class RunAbort extends Error {}

/**
 * One run, start to end: pending → active, workspace, executor, sandboxed pipeline,
 * jobs, receipts, then complete or failed. Whatever happens, everything it opened is
 * closed and the run ends in exactly one terminal state.
 */
export async function runPipeline(run: RunRecord, deps: RunPipelineDeps, signal: AbortSignal): Promise<RunRecord> {
  const handle = new RunHandle(deps.store, deps.clock, run);
  const started = await handle.move({ to: "active", lease: leaseFor(deps.liveness.self, deps.clock) });
  if (!started.ok) return handle.record;
  deps.onActive?.(handle);
  // The opt-out stays visible in the run's own record, next to its outcome.
  if (deps.settings.sandbox === "off") await handle.update({ sandbox: "off" });
  const { meta } = run;
  deps.onEvent?.({ type: "run-started", run_id: meta.run_id });

  let jobs: JobResult[] = [];
  let outcome: Outcome = "errored";
  let error: string | null = null;
  let exec: ExecSession | undefined;
  let pipeline: PipelineSession | undefined;
  let starting: PipelineStart | undefined;
  /** Settles (never rejects) once the workspace is made or its making failed. */
  let materializing: Promise<void> | undefined;
  // Until the secrets are resolved there is nothing to hide; from then on every text is redacted.
  let redactor: Redactor = createRedactor([]);
  try {
    // The sandboxed pipeline child's boot is the longest step before a job can start: it is
    // spawned first, and git makes the workspace while it boots and the secrets are read.
    starting = deps.runtime.start({
      limits: { memoryMb: deps.settings.pipelineMemoryMb, wallClockMs: deps.settings.runTimeoutMs },
      signal,
      ...(deps.processes ? { processes: deps.processes(meta.run_id) } : {}),
    });
    const making = deps.workspaces.materialize(meta.repo, meta.sha, meta.run_id);
    materializing = making.then(
      () => undefined,
      () => undefined,
    );
    const resolved = resolveRunSecrets(await deps.secrets.resolveAll());
    redactor = resolved.redactor;
    const secrets = resolved.secrets;
    const ws = await making;
    if (!ws.ok) throw new RunAbort(`workspace could not be materialized: ${ws.error.message}`);
    const workspace = ws.value;
    const facts: Record<string, string> = {};
    // Bundling and loading the pipeline need only the workspace, like the executor's session:
    // the two start together. Both settle before either outcome counts, so whatever one of
    // them opened is closed below even when the other failed.
    const loading = starting.load({ workspace, pipelinePath: meta.pipeline });
    const opening = deps.executor.open({
      runId: meta.run_id,
      repo: meta.repo,
      workspace,
      ...(deps.processes ? { processes: deps.processes(meta.run_id) } : {}),
      record: async (more) => {
        Object.assign(facts, more);
        await deps.files.writeFile(meta.repo, meta.run_id, CONTAINER_FILE, stringify(facts));
      },
    });
    const [opened, loaded] = await Promise.allSettled([opening, loading]);
    if (opened.status === "fulfilled" && opened.value.ok) exec = opened.value.value;
    if (loaded.status === "fulfilled" && loaded.value.kind === "loaded") pipeline = loaded.value.session;
    if (opened.status === "rejected") throw opened.reason;
    if (!opened.value.ok) throw new RunAbort(`${opened.value.error.code.replaceAll("_", " ")}: ${opened.value.error.message}`);
    if (loaded.status === "rejected") throw loaded.reason;
    if (loaded.value.kind === "error") throw new RunAbort(`pipeline ${meta.pipeline} did not load: ${loaded.value.message}`);
    const session = loaded.value.session;
    const openExec = opened.value.value;
    const valid = validatePipeline(session.jobs);
    if (!valid.ok) throw new RunAbort(`pipeline ${meta.pipeline} is invalid:\n- ${valid.error.join("\n- ")}`);
    // A broken executor stops the jobs like a cancel does, but the run ends errored.
    const broken = new AbortController();
    const jobSignal = AbortSignal.any([signal, broken.signal]);
    jobs = await executePipeline(valid.value, new Map([["quire/push", pushOutputs(meta)]]), {
      clock: deps.clock,
      signal: jobSignal,
      jobsPerRun: deps.settings.jobsPerRun,
      ...(deps.onEvent ? { onEvent: deps.onEvent } : {}),
      runJob: async (job, visible) => {
        // Recording last_job need not delay the job; the handle serialises it with later writes.
        const noted = handle.update({ last_job: job.id }).catch(() => false);
        const jobHost = createJobHost({
          meta,
          job: job.id,
          exec: openExec,
          files: deps.files,
          workspace,
          workspaceFiles: deps.workspaceFiles,
          redactor,
          secrets,
          visible,
          clock: deps.clock,
          signal: jobSignal,
          onBroken: (cause) => broken.abort(cause),
          log: { capBytes: deps.settings.logCapBytes, captureBytes: deps.settings.captureBytes },
          runTimeoutMs: deps.settings.runTimeoutMs,
          ...(deps.onEvent ? { onEvent: deps.onEvent } : {}),
          ...(deps.echoOutput === undefined ? {} : { echoOutput: deps.echoOutput }),
        });
        const result = boundedReturn(job.id, redactValue(await session.runJob(job.id, jobHost.host), redactor));
        await noted;
        return { result, sh: jobHost.records, totals: jobHost.totals, messages: jobHost.messages() };
      },
    });
    const stop = stopReasonOf(signal);
    if (!stop && broken.signal.aborted) throw new RunAbort(`infrastructure failed: ${describe(broken.signal.reason)}`);
    outcome = stop ? stop.kind : jobs.some((j) => j.status === "failed") ? "failed" : "succeeded";
    error = stop ? stop.message : firstFailure(jobs);
  } catch (caught) {
    const stop = stopReasonOf(signal);
    outcome = stop ? stop.kind : "errored";
    error = stop ? stop.message : caught instanceof RunAbort ? caught.message : `infrastructure failed: ${describe(caught)}`;
  } finally {
    await starting?.abandon().catch(() => undefined);
    await pipeline?.close().catch(() => undefined);
    await exec?.close().catch(() => undefined);
    // A workspace still being made when the run failed is removed once git is done with it.
    if (materializing !== undefined) {
      await materializing;
      await deps.workspaces.remove(meta.run_id).catch(() => undefined);
    }
  }
  return finishRun(handle, deps, redactor, { jobs, outcome, error });
}

/** Outputs over their cap fail the job; error texts are cut to theirs. */
function boundedReturn(job: string, ret: JobReturn): JobReturn {
  if (ret.kind === "outputs") {
    const problem = outputsProblem(job, ret.outputs);
    return problem === undefined ? ret : { kind: "failed", error: problem };
  }
  return ret.kind === "failed" ? { kind: "failed", error: capError(ret.error) } : ret;
}

function firstFailure(jobs: JobResult[]): string | null {
  const failed = jobs.find((j) => j.status === "failed");
  return failed ? `job "${failed.id}" failed: ${failed.error ?? "unknown error"}` : null;
}
