import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeExecutor } from "../adapters/executor/fake-executor.ts";
import { createHostExecutor } from "../adapters/executor/host-executor.ts";
import type { ExecSession, Executor } from "../core/exec-ports.ts";
import type { RepoName } from "../core/types.ts";
import { BASE, useDocker } from "./docker-fixtures.ts";
import { executorContract } from "./executor.contract.ts";

async function openOn(executor: Executor): Promise<ExecSession> {
  const workspace = await mkdtemp(join(tmpdir(), "quire-contract-"));
  const opened = await executor.open({ runId: "contract", repo: "demo.git" as RepoName, workspace });
  if (!opened.ok) throw new Error(`${opened.error.code}: ${opened.error.message}`);
  return opened.value;
}

executorContract("fake", () => openOn(new FakeExecutor()));
executorContract("host, sandbox off", () => openOn(createHostExecutor()));
// As the server runs the tests (root in CI): jobs drop to nobody inside the run's sandbox.
const jobUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
executorContract("host", () => openOn(createHostExecutor({ sandbox: { bwrapPath: "/usr/bin/bwrap", user: jobUser, network: true, hide: [] } })));

const { open } = useDocker();
executorContract("docker", async () => (await open({ defaultImage: BASE, memoryMb: 64 })).session);
