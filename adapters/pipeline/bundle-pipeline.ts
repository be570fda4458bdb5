/**
 * Bundles runner + SDK + pipeline (and its local imports) into one ESM file, so the child
 * needs no loader hooks (they run on a worker, which the sandbox forbids). The pipeline is
 * imported lazily from the runner: a throw at import time becomes a load error, not a crash.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { build, type Message } from "esbuild";
import { QuireError } from "../../core/errors.ts";
import { err, ok, type Result } from "../../core/result.ts";
import { CHILD_MAIN_PATH, confineImports } from "./confine-imports.ts";
import { RUNNER_SOURCE } from "./error-text.ts";

export interface PipelineBundle {
  /** Fresh directory holding only the bundle; the child may read it. */
  dir: string;
  file: string;
}

export interface BundleInput {
  /** Real path of the workspace; error locations are relative to it. */
  workspace: string;
  /** Absolute path of the pipeline file inside the workspace. */
  entry: string;
  tempRoot: string;
}

// Bundled CommonJS-style `require` calls need a real require in an ES module.
const BANNER = 'import { createRequire as __quireCreateRequire } from "node:module";\nconst require = __quireCreateRequire(import.meta.url);';

export async function bundlePipeline(input: BundleInput): Promise<Result<PipelineBundle, string>> {
  const dir = await mkdtemp(join(input.tempRoot, "quire-pipeline-"));
  const file = join(dir, "pipeline.mjs");
  try {
    await build({
      stdin: {
        contents: `import { runChild } from ${JSON.stringify(CHILD_MAIN_PATH)};\nawait runChild(() => import(${JSON.stringify(input.entry)}));\n`,
        resolveDir: input.workspace,
        sourcefile: RUNNER_SOURCE,
        loader: "js",
      },
      absWorkingDir: input.workspace,
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      outfile: file,
      banner: { js: BANNER },
      // With --enable-source-maps in the child, stack frames name the pipeline's own lines.
      sourcemap: "inline",
      sourcesContent: false,
      plugins: [confineImports(input.workspace)],
      logLevel: "silent",
      write: true,
    });
    return ok({ dir, file });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    const messages = (error as { errors?: Message[] }).errors;
    if (Array.isArray(messages) && messages.length > 0) return err(messages.map(formatMessage).join("\n"));
    throw new QuireError("pipeline_bundle_failed", `esbuild failed: ${(error as Error).message}`, { cause: error });
  }
}

/** `file:line:column: text`, the way compilers and editors print it. */
function formatMessage(message: Message): string {
  const where = message.location;
  if (where === null) return message.text;
  return `${where.file}:${where.line}:${where.column + 1}: ${message.text}`;
}
