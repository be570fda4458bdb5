import { spawn } from "node:child_process";
import { once } from "node:events";
import { access, mkdir, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { systemClock } from "../../adapters/clock/system-clock.ts";
import { FsRunStore } from "../../adapters/storage/fs-run-store.ts";
import { leaseFor } from "../../core/run/lease.ts";
import { planTransition } from "../../core/run/transition.ts";
import type { RepoName } from "../../core/types.ts";
import { quire, startServer, tempHome, type ServerProcess } from "../support/quire-process.ts";
import { createPendingRun } from "../support/run-fixtures.ts";

const repo = "demo.git" as RepoName;

/** The pid of a process that has exited: a lease owner known to be gone. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await once(child, "exit");
  return child.pid ?? 0;
}

/** A home with one run active under a dead owner, one active under this (live) process, one pending. */
async function seededHome() {
  const home = await tempHome();
  const store = new FsRunStore(join(home, "runs"));
  const create = () => createPendingRun(store, { repo, sha: "e".repeat(40) });
  const start = async (owner: string) => {
    const run = await create();
    const next = planTransition(run, { to: "active", lease: leaseFor(owner, systemClock, 3_600_000) }, systemClock.now());
    if (!next.ok) throw new Error(next.error.message);
    await store.moveRun(repo, run.meta.run_id, "pending", next.value);
    return run.meta.run_id;
  };
  const orphan = await start(`${hostname()}:${await deadPid()}:gone`);
  const live = await start(`${hostname()}:${process.pid}:test`);
  const pending = (await create()).meta.run_id;
  return { home, store, orphan, live, pending };
}

interface Report {
  orphaned: string[];
  requeued: string[];
  workspacesRemoved: string[];
  sweep: { removedTemp: number; rolledForward: string[] };
}

const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const server of servers) await server.stop();
});

describe("quire reconcile", () => {
  it("without a server, reconciles the home directly: the dead owner's run fails as orphaned, the rest stay", async () => {
    const { home, store, orphan, live, pending } = await seededHome();
    // Workspaces a crash left: the orphan's goes with it, the live run's stays (the same janitor as the server's).
    for (const runId of [orphan, live]) await mkdir(join(home, "workspaces", runId), { recursive: true });
    const result = await quire(["reconcile", "--home", home]);
    expect(result.exitCode, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.orphaned).toEqual([orphan]);
    expect(report.workspacesRemoved).toEqual([orphan]);
    await expect(access(join(home, "workspaces", orphan))).rejects.toThrow();
    await access(join(home, "workspaces", live));
    expect(report.sweep).toEqual({ removedTemp: 0, rolledForward: [] });
    expect((await store.getRun(repo, orphan))?.state).toMatchObject({ status: "failed", outcome: "orphaned" });
    expect((await store.getRun(repo, orphan))?.state.error).toContain(":gone");
    expect((await store.getRun(repo, live))?.state.status).toBe("active");
    expect((await store.getRun(repo, pending))?.state.status).toBe("pending");

    const again = await quire(["reconcile", "--home", home]);
    expect((JSON.parse(again.stdout) as Report).orphaned).toEqual([]);
  });

  it("with a stale server.url, says so on stderr and reconciles directly", async () => {
    const { home, store, orphan } = await seededHome();
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await writeFile(join(home, "server.url"), `http://127.0.0.1:${port}\n`);
    await writeFile(join(home, "hook.token"), "t\n");
    const result = await quire(["reconcile", "--home", home]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(`quire: server at http://127.0.0.1:${port} did not answer; reconciling ${home} directly`);
    expect((JSON.parse(result.stdout) as Report).orphaned).toEqual([orphan]);
    expect((await store.getRun(repo, orphan))?.state.status).toBe("failed");
  });

  it("with a server running, asks the server, which reports what it did", async () => {
    const home = await tempHome();
    const server = await startServer(home);
    servers.push(server);
    // Runs left by another, dead process after the server's own start-up reconcile.
    const store = new FsRunStore(join(home, "runs"));
    const run = await createPendingRun(store, { repo, sha: "e".repeat(40) });
    const next = planTransition(run, { to: "active", lease: leaseFor(`${hostname()}:${await deadPid()}:gone`, systemClock) }, systemClock.now());
    if (!next.ok) throw new Error("setup");
    await store.moveRun(repo, run.meta.run_id, "pending", next.value);

    const result = await quire(["reconcile", "--home", home]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toBe("");
    expect((JSON.parse(result.stdout) as Report).orphaned).toEqual([run.meta.run_id]);
    expect((await store.getRun(repo, run.meta.run_id))?.state).toMatchObject({ status: "failed", outcome: "orphaned" });
  });
});
