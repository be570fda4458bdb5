import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GitWorkspaces } from "../../adapters/workspace/git-workspaces.ts";
import type { JobSpec } from "../../core/ports/pipeline-runtime.ts";
import { PIPELINE_PATHS } from "../../core/intake/gate.ts";
import { validatePipeline } from "../../core/pipeline/validate.ts";
import { err, ok, type Result } from "../../core/result.ts";
import type { QuireConfig } from "./config.ts";
import { openCheckout, type CheckoutTarget } from "./local-checkout.ts";
import { sandboxSetup } from "./sandbox-setup.ts";

/**
 * Loads the pipeline exactly as a run would — the same commit `quire ci run` would take
 * (the working tree by default), materialized the same way, evaluated in the same
 * bubblewrap sandbox the server uses (it is user code) — and validates its job graph
 * without running a job. `sandbox: off` in config.yml loads it bare, with the same warning.
 */
export async function validateCheckout(
  cwd: string,
  target: CheckoutTarget,
  config: QuireConfig,
  warn?: (line: string) => void,
): Promise<Result<{ path: string; jobs: JobSpec[]; description: string }, { usage: boolean; message: string }>> {
  const checkout = await openCheckout(cwd, tmpdir(), target);
  if (!checkout.ok) return err({ usage: true, message: checkout.error });
  const { pipeline: path, description } = checkout.value;
  if (path === null) return err({ usage: false, message: `${description} has no pipeline (${PIPELINE_PATHS.join(", ")})` });
  // Probed before anything is written: no sandbox, no loading of user code.
  const sandbox = await sandboxSetup(config, warn);
  const scratch = await mkdtemp(join(tmpdir(), "quire-validate-"));
  try {
    const workspaces = new GitWorkspaces({ reposRoot: scratch, root: scratch, gitDirOf: () => checkout.value.gitDir });
    const made = await workspaces.materialize(checkout.value.repo, checkout.value.sha, randomUUID());
    if (!made.ok) return err({ usage: false, message: made.error.message });
    // Imported here: esbuild and the sandbox code are not loaded for every other command.
    const { createNodePipelineRuntime } = await import("../../adapters/pipeline/node-pipeline-runtime.ts");
    const runtime = createNodePipelineRuntime(sandbox === undefined ? {} : { sandbox });
    const loaded = await runtime.load({
      workspace: made.value,
      pipelinePath: path,
      limits: { memoryMb: config.pipeline.memory_mb, wallClockMs: 30_000 },
      signal: new AbortController().signal,
    });
    if (loaded.kind === "error") return err({ usage: false, message: `${path} did not load: ${loaded.message}` });
    try {
      const valid = validatePipeline(loaded.session.jobs);
      if (!valid.ok) return err({ usage: false, message: `${path} is invalid:\n- ${valid.error.join("\n- ")}` });
      return ok({ path, jobs: valid.value.order, description });
    } finally {
      await loaded.session.close();
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
