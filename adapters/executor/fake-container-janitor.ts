import type { ContainerJanitor } from "../../core/ports/janitors.ts";

/** Run containers as a map, for reconcile tests without a docker engine. */
export class FakeContainerJanitor implements ContainerJanitor {
  readonly containers = new Map<string, string>();
  private next = 0;

  /** A container left behind by `runId`; returns its id. */
  leave(runId: string): string {
    const id = `fake-container-${++this.next}`;
    this.containers.set(id, runId);
    return id;
  }

  async listRunContainers(): Promise<{ containerId: string; runId: string }[]> {
    return [...this.containers].map(([containerId, runId]) => ({ containerId, runId }));
  }

  async remove(containerId: string): Promise<void> {
    this.containers.delete(containerId);
  }
}
