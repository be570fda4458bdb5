import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createNodePipelineRuntime } from "../../adapters/pipeline/node-pipeline-runtime.ts";
import { FakePipelineRuntime, type FakePipeline } from "../../adapters/pipeline/fake-pipeline-runtime.ts";
import { skip, type JobDefinition } from "../../sdk/ci.ts";
import { pipelineRuntimeContract } from "./pipeline-runtime.contract.ts";
import { tempDir } from "../support/temp-dir.ts";

async function onDisk(source: string): Promise<string> {
  const workspace = await tempDir("quire-runtime-contract-");
  await mkdir(join(workspace, ".quire"));
  await writeFile(join(workspace, ".quire", "ci.mjs"), source);
  return workspace;
}

pipelineRuntimeContract("sandboxed child", () => createNodePipelineRuntime(), onDisk);

/**
 * The fake has no bundler: it evaluates the same plain-JS source in-process, with `job`
 * bound to a collector (and the SDK's `skip`), so both runtimes meet the contract with one pipeline text.
 */
const sources = new Map<string, string>();
let next = 0;
function inMemory(source: string): Promise<string> {
  const workspace = `/fake-workspace/${++next}`;
  sources.set(workspace, source);
  return Promise.resolve(workspace);
}

function evaluate(source: string): FakePipeline {
  const jobs: JobDefinition[] = [];
  const body = source.replace(/^import .*$/m, "");
  try {
    new Function("job", "skip", body)((id: string, inputs: string[], run: JobDefinition["run"]) => jobs.push({ id, inputs, run }), skip);
  } catch (error) {
    return { loadError: error instanceof Error ? error.message : String(error) };
  }
  return { jobs };
}

pipelineRuntimeContract(
  "in-process fake",
  () => new FakePipelineRuntime((workspace) => evaluate(sources.get(workspace) ?? "")),
  inMemory,
);
