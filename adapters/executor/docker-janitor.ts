import { ContainerError } from "../../core/errors.ts";
import type { ContainerJanitor } from "../../core/ports/janitors.ts";
import { DockerCli } from "./docker-cli.ts";
import { RUN_LABEL, SCOPE_LABEL } from "./docker-executor.ts";
import { forceRemove } from "./docker-container.ts";

export interface DockerJanitorOptions {
  /** Manage only containers started with this scope (see DockerExecutorOptions.scope). */
  scope?: string;
  cli?: DockerCli;
}

/**
 * Run containers as docker labels them; reconcile removes those whose run is not active.
 * Each janitor sees only its own scope, and an unscoped one only unscoped containers, so
 * a server never takes the containers of another home on the same engine for strays.
 */
export class DockerJanitor implements ContainerJanitor {
  private readonly cli: DockerCli;
  private readonly scope: string;

  constructor(options: DockerJanitorOptions = {}) {
    this.cli = options.cli ?? new DockerCli();
    this.scope = options.scope ?? "";
  }

  async listRunContainers(): Promise<{ containerId: string; runId: string }[]> {
    const filters = ["--filter", `label=${RUN_LABEL}`];
    if (this.scope !== "") filters.push("--filter", `label=${SCOPE_LABEL}=${this.scope}`);
    const format = `{{.ID}}\t{{.Label "${RUN_LABEL}"}}\t{{.Label "${SCOPE_LABEL}"}}`;
    const listed = await this.cli.run(["ps", "--all", "--no-trunc", ...filters, "--format", format], { timeoutMs: 30_000 });
    if (!listed.ok) throw new ContainerError("container_list_failed", `docker ps failed: ${listed.error.message}`);
    const found: { containerId: string; runId: string }[] = [];
    for (const line of listed.value.split("\n")) {
      const [containerId, runId, scope] = line.split("\t");
      if (containerId && runId && (scope ?? "") === this.scope) found.push({ containerId, runId });
    }
    return found;
  }

  /** Idempotent: a container that is already gone counts as removed. */
  async remove(containerId: string): Promise<void> {
    await forceRemove(this.cli, containerId);
  }
}

export function createDockerJanitor(options: DockerJanitorOptions = {}): ContainerJanitor {
  return new DockerJanitor(options);
}
