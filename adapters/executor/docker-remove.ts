import { setTimeout as sleep } from "node:timers/promises";
import { ContainerError } from "../../core/errors.ts";
import type { DockerCli } from "./docker-cli.ts";

/**
 * `docker rm -f`: SIGKILLs everything in the container at once, no stop timeout to wait
 * out. Idempotent: a container already gone counts as removed, and one whose removal
 * someone else started (a reconcile, a janitor) is waited for until it is gone.
 */
export async function forceRemove(cli: DockerCli, containerId: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const removed = await cli.run(["rm", "--force", "--volumes", containerId], { timeoutMs: 30_000 });
    if (removed.ok || /No such container/i.test(removed.error.message)) return;
    if (!/already in progress/i.test(removed.error.message)) {
      throw new ContainerError("container_remove_failed", `could not remove container ${containerId.slice(0, 12)}: ${removed.error.message}`);
    }
    await sleep(50);
  }
  throw new ContainerError("container_remove_failed", `container ${containerId.slice(0, 12)} was still being removed after 5 s`);
}
