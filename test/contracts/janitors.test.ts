import { spawn } from "node:child_process";
import { once } from "node:events";
import { access, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { DockerJanitor } from "../../adapters/executor/docker-janitor.ts";
import { FakeContainerJanitor } from "../../adapters/executor/fake-container-janitor.ts";
import { FakeProcessJanitor } from "../../adapters/process/fake-process-janitor.ts";
import { ProcessRegistry } from "../../adapters/process/process-registry.ts";
import { slotDirJanitor, withSlotDirs } from "../../adapters/executor/slot-dir-janitor.ts";
import { slotsRoot } from "../../adapters/executor/slot-fifos.ts";
import { GitWorkspaces } from "../../adapters/workspace/git-workspaces.ts";
import { BASE, useDocker } from "../support/docker-fixtures.ts";
import { containerJanitorContract, processJanitorContract, workspaceJanitorContract } from "./janitors.contract.ts";
import { tempDir } from "../support/temp-dir.ts";

containerJanitorContract("fake", async () => {
  const janitor = new FakeContainerJanitor();
  return {
    janitor,
    leave: async () => {
      const runId = randomUUID();
      janitor.leave(runId);
      return runId;
    },
    cleanup: async () => undefined,
  };
});

const { open } = useDocker();
containerJanitorContract("docker", async () => {
  const scope = `janitor-contract-${randomUUID()}`;
  const sessions: { close(): Promise<void> }[] = [];
  return {
    janitor: new DockerJanitor({ scope }),
    // A started run container whose server went away: the session is never closed by a run.
    leave: async () => {
      const opened = await open({ defaultImage: BASE, scope });
      sessions.push(opened.session);
      return opened.runId;
    },
    cleanup: async () => void (await Promise.all(sessions.map((s) => s.close()))),
  };
});

processJanitorContract("fake", async () => {
  const janitor = new FakeProcessJanitor();
  return {
    janitor,
    leave: async (runId) => {
      janitor.leave(runId);
      return { alive: async () => janitor.groups.has(runId) };
    },
    cleanup: async () => undefined,
  };
});

processJanitorContract("registry (real process groups)", async () => {
  const dir = await tempDir("quire-process-contract-");
  const janitor = new ProcessRegistry(join(dir, ".processes"));
  const children: ReturnType<typeof spawn>[] = [];
  return {
    janitor,
    leave: async (runId) => {
      // Its own process group, as host commands get one.
      const child = spawn("sleep", ["60"], { detached: true, stdio: "ignore" });
      children.push(child);
      const pid = child.pid;
      if (pid === undefined) throw new Error("sleep did not start");
      const exited = once(child, "exit");
      await janitor.tracker(runId).started(pid);
      return {
        alive: async () => {
          if (child.exitCode !== null || child.signalCode !== null) return false;
          // A SIGKILLed child is reaped a moment later; wait for that rather than guess.
          return Promise.race([exited.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 1_000))]);
        },
      };
    },
    cleanup: async () => {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    },
  };
});

const exists = (path: string) => access(path).then(() => true, () => false);
/** A directory as a run left it; `present` looks for it. */
const leaveDir = async (path: string) => {
  await mkdir(path, { recursive: true });
  return { present: () => exists(path) };
};

workspaceJanitorContract("git workspaces", async () => {
  const root = await tempDir("quire-workspaces-contract-");
  return { janitor: new GitWorkspaces({ reposRoot: root, root }), leave: (runId) => leaveDir(join(root, runId)) };
});

workspaceJanitorContract("host sandbox slot directories", async () => {
  const root = await tempDir("quire-slots-contract-");
  return { janitor: slotDirJanitor(root), leave: (runId) => leaveDir(join(slotsRoot(root), `${runId}-Ab12Cd`)) };
});

workspaceJanitorContract("workspaces with their slot directories (as wired)", async () => {
  const root = await tempDir("quire-wired-contract-");
  return {
    janitor: withSlotDirs(new GitWorkspaces({ reposRoot: root, root }), root),
    leave: async (runId) => {
      const [workspace, slots] = await Promise.all([leaveDir(join(root, runId)), leaveDir(join(slotsRoot(root), `${runId}-Ab12Cd`))]);
      return { present: async () => (await workspace.present()) || (await slots.present()) };
    },
  };
});
