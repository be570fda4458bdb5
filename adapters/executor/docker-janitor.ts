import { ContainerError } from "../../core/errors.ts";
import type { ContainerJanitor } from "../../core/ports.ts";
import { DockerCli } from "./docker-cli.ts";
import { RUN_LABEL } from "./docker-executor.ts";

/** Run containers as docker labels them; reconcile removes those whose run is not active. */
export class DockerJanitor implements ContainerJanitor {
  constructor(private readonly cli = new DockerCli()) {}

  async listRunContainers(): Promise<{ containerId: string; runId: string }[]> {
    const listed = await this.cli.run(
      ["ps", "--all", "--no-trunc", "--filter", `label=${RUN_LABEL}`, "--format", `{{.ID}}\t{{.Label "${RUN_LABEL}"}}`],
      { timeoutMs: 30_000 },
    );
    if (!listed.ok) throw new ContainerError("container_list_failed", `docker ps failed: ${listed.error.message}`);
    const found: { containerId: string; runId: string }[] = [];
    for (const line of listed.value.split("\n")) {
      const [containerId, runId] = line.split("\t");
      if (containerId && runId) found.push({ containerId, runId });
    }
    return found;
  }

  /** Idempotent: a container that is already gone counts as removed. */
  async remove(containerId: string): Promise<void> {
    const removed = await this.cli.run(["rm", "--force", "--volumes", containerId], { timeoutMs: 30_000 });
    if (!removed.ok && !/No such container/i.test(removed.error.message)) {
      throw new ContainerError("container_remove_failed", `could not remove container ${containerId}: ${removed.error.message}`);
    }
  }
}

export function createDockerJanitor(cli?: DockerCli): ContainerJanitor {
  return new DockerJanitor(cli);
}
