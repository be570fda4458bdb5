import { describe, expect, it } from "vitest";
import { FakeClock } from "../adapters/clock/fake-clock.ts";
import { DockerJanitor } from "../adapters/executor/docker-janitor.ts";
import { fixedLiveness } from "../adapters/liveness/process-liveness.ts";
import { MemoryRunStore } from "../adapters/storage/memory-run-store.ts";
import type { ContainerJanitor } from "../core/ports.ts";
import { reconcile } from "../core/reconcile.ts";
import type { RunStateRecord } from "../core/types.ts";
import { REPO, containersOf, useDocker } from "./docker-fixtures.ts";

const { open } = useDocker();
const janitor = new DockerJanitor();

describe("docker janitor: run containers by label", () => {
  it("lists labelled containers with their run ids and removes them, idempotently", async () => {
    const a = await open();
    const b = await open();
    const listed = await janitor.listRunContainers();
    const idA = a.facts().container_id ?? "?";
    expect(listed).toContainEqual({ containerId: idA, runId: a.runId });
    expect(listed).toContainEqual({ containerId: b.facts().container_id, runId: b.runId });

    await janitor.remove(idA);
    expect(await containersOf(a.runId)).toEqual([]);
    await janitor.remove(idA);
    expect((await janitor.listRunContainers()).map((c) => c.runId)).not.toContain(a.runId);
    // The session whose container the janitor took still closes cleanly.
    await a.session.close();
    await b.session.close();
  });

  it("reconcile removes the containers of runs that are not active and keeps the active run's", async () => {
    const active = await open();
    const finished = await open();
    const unknown = await open();
    const clock = new FakeClock();
    const store = new MemoryRunStore();
    const state = (status: RunStateRecord["status"]): RunStateRecord => ({
      status,
      outcome: status === "complete" ? "succeeded" : null,
      created_at: clock.now(),
      started_at: clock.now(),
      finished_at: status === "complete" ? clock.now() : null,
      error: null,
      lease: status === "active" ? { owner: "me", expires_at: clock.after(60_000) } : null,
      last_job: null,
    });
    for (const [run, status] of [[active, "active"], [finished, "complete"]] as const) {
      await store.createRun({
        run_id: run.runId,
        repo: REPO,
        state: state(status),
        meta: (number) => ({ run_id: run.runId, repo: REPO, number, sha: "a".repeat(40), ref: "refs/heads/main", old_sha: "0".repeat(40), pushed_at: clock.now(), pipeline: ".quire/ci.ts" }),
      });
    }
    try {
      // Scoped to this test's runs: other suites may have run containers up at the same time.
      const ours = new Set<string>([active.runId, finished.runId, unknown.runId]);
      const containers: ContainerJanitor = {
        listRunContainers: async () => (await janitor.listRunContainers()).filter((c) => ours.has(c.runId)),
        remove: (id) => janitor.remove(id),
      };
      const report = await reconcile({ store, clock, liveness: fixedLiveness("me"), containers });
      expect(report.containersRemoved).toEqual(expect.arrayContaining([finished.facts().container_id, unknown.facts().container_id]));
      expect(report.containersRemoved).not.toContain(active.facts().container_id);
      expect(await containersOf(finished.runId)).toEqual([]);
      expect(await containersOf(unknown.runId)).toEqual([]);
      expect(await containersOf(active.runId)).toHaveLength(1);
    } finally {
      for (const run of [active, finished, unknown]) await run.session.close();
    }
  });
});
