import { FakeClock } from "../../adapters/clock/fake-clock.ts";
import { FakeExecutor } from "../../adapters/executor/fake-executor.ts";
import { FakeIds } from "../../adapters/ids/fake-ids.ts";
import { fixedLiveness } from "./fixed-liveness.ts";
import { MemoryRunFiles } from "../../adapters/logs/memory-run-files.ts";
import { FakePipelineRuntime, type FakePipeline } from "../../adapters/pipeline/fake-pipeline-runtime.ts";
import { configSecrets } from "../../adapters/secrets/config-secrets.ts";
import { MemoryRunStore } from "../../adapters/storage/memory-run-store.ts";
import { FakeWorkspaces } from "../../adapters/workspace/fake-workspaces.ts";
import { MemoryWorkspaceFiles } from "../../adapters/workspace/memory-workspace-files.ts";
import type { RunPipelineDeps } from "../../core/run/run-pipeline.ts";
import type { RunRecord } from "../../core/types.ts";
import type { JobDefinition } from "../../sdk/ci.ts";
import { createPendingRun } from "./run-fixtures.ts";

export const SHA = "a".repeat(40);

/** Everything runPipeline needs, in memory; pipelines are keyed by the commit sha. */
export function fakeRunDeps(pipelines: Record<string, FakePipeline>, secrets: Record<string, string> = {}) {
  const clock = new FakeClock();
  const store = new MemoryRunStore();
  const files = new MemoryRunFiles(store, clock);
  const executor = new FakeExecutor();
  const workspaces = new FakeWorkspaces();
  const workspaceFiles = new MemoryWorkspaceFiles();
  const ids = new FakeIds();
  const deps: RunPipelineDeps = {
    store,
    files,
    workspaces,
    workspaceFiles,
    executor,
    runtime: new FakePipelineRuntime((workspace) => pipelines[workspace.split("/")[2] ?? ""]),
    secrets: configSecrets(secrets),
    clock,
    liveness: fixedLiveness("test-owner"),
    settings: { logCapBytes: 1024 * 1024, captureBytes: 64 * 1024, pipelineMemoryMb: 64, runTimeoutMs: 60_000, jobsPerRun: 4 },
  };
  const createRun = (sha = SHA, ref = "refs/heads/main"): Promise<RunRecord> => createPendingRun(store, { sha, ref, ids, clock });
  return { deps, store, files, executor, workspaces, workspaceFiles, clock, createRun };
}

export const job = (id: string, inputs: string[], run: JobDefinition["run"]): JobDefinition => ({ id, inputs, run });
