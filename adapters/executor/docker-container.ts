import { setTimeout as sleep } from "node:timers/promises";
import { ContainerError } from "../../core/errors.ts";
import { err, ok, type Result } from "../../core/result.ts";
import type { DockerCli } from "./docker-cli.ts";
import { apiMessage } from "./docker-engine-api.ts";
import { MUX_PATH } from "./docker-exec-script.ts";
import type { DockerFailure } from "./docker-failure.ts";

/** What a run's container is made of; the same through the engine API or the CLI. */
export interface ContainerSpec {
  image: string;
  labels: Record<string, string>;
  /** Host directory bind-mounted at /work, the working directory. */
  workspace: string;
  /** Adds `--network none`. */
  networkNone: boolean;
  cpus?: number;
  memoryMb?: number;
  /** Run by `sh -c` as PID 1. */
  command: string;
  /** Host path of the output multiplexer, mounted read-only at MUX_PATH. */
  mux?: string;
}

/** Creates and starts the container; returns its full id. A container that could not start is removed. */
export async function startContainer(cli: DockerCli, spec: ContainerSpec): Promise<Result<string, DockerFailure>> {
  if (!cli.api) {
    const started = await cli.run(runArgs(spec), { timeoutMs: 60_000 });
    return started.ok ? ok(started.value.trim()) : started;
  }
  const memory = spec.memoryMb === undefined ? {} : { Memory: spec.memoryMb * 1024 * 1024, MemorySwap: spec.memoryMb * 1024 * 1024 };
  const created = await cli.api.call("POST", "/containers/create", {
    Image: spec.image,
    Entrypoint: ["sh"],
    Cmd: ["-c", spec.command],
    WorkingDir: "/work",
    Labels: spec.labels,
    HostConfig: {
      Mounts: [
        { Type: "bind", Source: spec.workspace, Target: "/work" },
        ...(spec.mux === undefined ? [] : [{ Type: "bind", Source: spec.mux, Target: MUX_PATH, ReadOnly: true }]),
      ],
      ...(spec.networkNone ? { NetworkMode: "none" } : {}),
      ...(spec.cpus === undefined ? {} : { NanoCpus: Math.round(spec.cpus * 1e9) }),
      ...memory,
    },
  });
  if (!created.ok) return created;
  if (created.value.status !== 201) return err(refused(created.value));
  const id = (JSON.parse(created.value.body) as { Id: string }).Id;
  const started = await cli.api.call("POST", `/containers/${id}/start`);
  if (started.ok && started.value.status < 300) return ok(id);
  await forceRemove(cli, id).catch(() => undefined);
  return started.ok ? err(refused(started.value)) : started;
}

/**
 * `docker rm -f`: SIGKILLs everything in the container at once, no stop timeout to wait
 * out. Idempotent: a container already gone counts as removed, and one whose removal
 * someone else started (a reconcile, a janitor) is waited for until it is gone.
 */
export async function forceRemove(cli: DockerCli, containerId: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const outcome = await removeOnce(cli, containerId);
    if (outcome === "gone") return;
    if (outcome !== "in-progress") {
      throw new ContainerError("container_remove_failed", `could not remove container ${containerId.slice(0, 12)}: ${outcome}`);
    }
    await sleep(50);
  }
  throw new ContainerError("container_remove_failed", `container ${containerId.slice(0, 12)} was still being removed after 5 s`);
}

async function removeOnce(cli: DockerCli, containerId: string): Promise<"gone" | "in-progress" | string> {
  let message: string;
  if (cli.api) {
    const removed = await cli.api.call("DELETE", `/containers/${encodeURIComponent(containerId)}?force=1&v=1`, undefined, 30_000);
    if (removed.ok && removed.value.status < 300) return "gone";
    message = removed.ok ? apiMessage(removed.value) : removed.error.message;
  } else {
    const removed = await cli.run(["rm", "--force", "--volumes", containerId], { timeoutMs: 30_000 });
    if (removed.ok) return "gone";
    message = removed.error.message;
  }
  if (/No such container/i.test(message)) return "gone";
  return /already in progress/i.test(message) ? "in-progress" : message;
}

/**
 * Whether `--network none` is needed for isolation. An engine without a default bridge
 * (dockerd --bridge=none, as scripts/setup-docker.sh starts it) already gives each
 * container its own namespace with loopback only, and there `--network none` costs some
 * 170 ms more per start for the same isolation.
 */
export async function engineHasBridge(cli: DockerCli): Promise<boolean> {
  if (cli.api) {
    const bridge = await cli.api.call("GET", "/networks/bridge", undefined, 10_000);
    return !(bridge.ok && bridge.value.status === 404);
  }
  const bridge = await cli.run(["network", "inspect", "--format", "{{.Name}}", "bridge"], { timeoutMs: 10_000 });
  return !(!bridge.ok && /No such network|not found/i.test(bridge.error.message));
}

function refused(response: { status: number; body: string }): DockerFailure {
  return { kind: "failed", exitCode: null, message: apiMessage(response) };
}

function runArgs(spec: ContainerSpec): string[] {
  const args = ["run", "--detach", "--pull", "never"];
  for (const [name, value] of Object.entries(spec.labels)) args.push("--label", `${name}=${value}`);
  if (spec.networkNone) args.push("--network", "none");
  if (spec.cpus !== undefined) args.push("--cpus", String(spec.cpus));
  // Swap equal to memory: the limit is the limit, not a cue to start swapping.
  if (spec.memoryMb !== undefined) args.push("--memory", `${spec.memoryMb}m`, "--memory-swap", `${spec.memoryMb}m`);
  args.push("--mount", `type=bind,${csvField(`source=${spec.workspace}`)},target=/work`, "--workdir", "/work");
  if (spec.mux !== undefined) args.push("--mount", `type=bind,${csvField(`source=${spec.mux}`)},target=${MUX_PATH},readonly`);
  args.push("--entrypoint", "sh", spec.image, "-c", spec.command);
  return args;
}

/** --mount is parsed as CSV: a path with a comma or quote must be quoted. */
function csvField(field: string): string {
  return /[",]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}
