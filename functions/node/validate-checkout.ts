import { randomUUID } from "node:crypto";
import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GitWorkspaces } from "../../adapters/workspace/git-workspaces.ts";
import type { JobSpec } from "../../core/ports/pipeline-runtime.ts";
import { PIPELINE_PATHS } from "../../core/intake/gate.ts";
import { validatePipeline } from "../../core/pipeline/validate.ts";
import { err, ok, type Result } from "../../core/result.ts";
import { findCommittedPipeline, openCheckout } from "./local-checkout.ts";

const LIMITS = { memoryMb: 512, wallClockMs: 30_000 };

/**
 * Loads the pipeline in the same sandbox a run uses and validates its job graph, without
 * running a job. The working tree by default (what you are editing), or a commit.
 */
export async function validateCheckout(cwd: string, rev?: string): Promise<Result<{ path: string; jobs: JobSpec[] }, string>> {
  const checkout = await openCheckout(cwd, tmpdir(), rev ?? "HEAD");
  let workspace = checkout.top;
  let scratch: string | undefined;
  try {
    let path: string | null;
    if (rev === undefined) {
      path = await firstExisting(checkout.top);
    } else {
      scratch = await mkdtemp(join(tmpdir(), "quire-validate-"));
      const workspaces = new GitWorkspaces({ reposRoot: scratch, root: scratch, gitDirOf: () => checkout.gitDir });
      const made = await workspaces.materialize(checkout.repo, checkout.sha, randomUUID());
      if (!made.ok) return err(made.error.message);
      workspace = made.value;
      path = await findCommittedPipeline(checkout, PIPELINE_PATHS);
    }
    if (path === null) return err(`no pipeline found (${PIPELINE_PATHS.join(", ")})`);
    // Imported here: esbuild and the sandbox code are not loaded for every other command.
    const { createNodePipelineRuntime } = await import("../../adapters/pipeline/node-pipeline-runtime.ts");
    const loaded = await createNodePipelineRuntime().load({
      workspace,
      pipelinePath: path,
      limits: LIMITS,
      signal: new AbortController().signal,
    });
    if (loaded.kind === "error") return err(`${path} did not load: ${loaded.message}`);
    try {
      const valid = validatePipeline(loaded.session.jobs);
      if (!valid.ok) return err(`${path} is invalid:\n- ${valid.error.join("\n- ")}`);
      return ok({ path, jobs: valid.value.order });
    } finally {
      await loaded.session.close();
    }
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}

async function firstExisting(top: string): Promise<string | null> {
  for (const path of PIPELINE_PATHS) {
    if (await access(join(top, path)).then(() => true, () => false)) return path;
  }
  return null;
}
