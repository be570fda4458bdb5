import { FakeExecutor } from "../../adapters/executor/fake-executor.ts";
import { createHostExecutor } from "../../adapters/executor/host-executor.ts";
import { sandboxIds } from "../../adapters/process/sandbox-identity.ts";
import { probeSandbox } from "../../adapters/process/sandbox-probe.ts";
import type { ExecSession, Executor } from "../../core/ports/exec.ts";
import type { RepoName } from "../../core/types.ts";
import { BASE, useDocker } from "../support/docker-fixtures.ts";
import { executorContract } from "./executor.contract.ts";
import { tempDir } from "../support/temp-dir.ts";

async function openOn(executor: Executor): Promise<ExecSession> {
  const workspace = await tempDir("quire-contract-");
  const opened = await executor.open({ runId: "contract", repo: "demo.git" as RepoName, workspace });
  if (!opened.ok) throw new Error(`${opened.error.code}: ${opened.error.message}`);
  return opened.value;
}

executorContract("fake", () => openOn(new FakeExecutor()));
executorContract("host (sandbox: off)", () => openOn(createHostExecutor()));

/** The host executor as a server sets it up: one bubblewrap sandbox per run; a machine without one fails here. */
async function sandboxedHost(): Promise<Executor> {
  const user = sandboxIds();
  const probed = await probeSandbox(user);
  if (!probed.ok) throw new Error(probed.error);
  return createHostExecutor({ sandbox: { bwrapPath: probed.value, user, network: true, hide: [] } });
}
executorContract("host in bubblewrap", async () => openOn(await sandboxedHost()));

const { open } = useDocker();
executorContract("docker", async () => (await open({ defaultImage: BASE, memoryMb: 64 })).session);
