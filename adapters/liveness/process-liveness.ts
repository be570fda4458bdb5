import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import type { Liveness } from "../../core/ports/liveness.ts";

/**
 * Lease owners are `host:pid:instance`. On this host a dead pid means the owner is
 * gone at once (a restart after SIGKILL does not wait for the lease to expire); a
 * live pid, which may be a reused one, is trusted until the lease expires.
 */
export function processLiveness(): Liveness {
  const host = hostname();
  const self = `${host}:${process.pid}:${randomUUID().slice(0, 8)}`;
  return {
    self,
    isAlive(owner: string): boolean {
      if (owner === self) return true;
      const [ownerHost, pidText] = owner.split(":");
      if (ownerHost !== host) return true; // another machine: only lease expiry can tell
      const pid = Number(pidText);
      if (!Number.isInteger(pid) || pid <= 0) return false;
      if (pid === process.pid) return false; // our pid, but not our instance: a previous life
      try {
        process.kill(pid, 0);
        return true;
      } catch (error) {
        return (error as NodeJS.ErrnoException).code === "EPERM";
      }
    },
  };
}
