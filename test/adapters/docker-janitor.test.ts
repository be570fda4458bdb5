import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../adapters/clock/fake-clock.ts";
import { DockerJanitor, createDockerJanitor } from "../../adapters/executor/docker-janitor.ts";
import { fixedLiveness } from "../support/fixed-liveness.ts";
import { MemoryRunStore } from "../../adapters/storage/memory-run-store.ts";
import { reconcile } from "../../core/maintenance/reconcile.ts";
import type { RunStateRecord } from "../../core/types.ts";
import { BASE, REPO, containersOf, useDocker } from "../support/docker-fixtures.ts";

const { open } = useDocker();

describe("docker janitor: run containers by label", () => {
  it("lists labelled containers of its scope with their run ids and removes them, idempotently", async () => {
    const scope = `janitor-${randomUUID()}`;
    const janitor = new DockerJanitor({ scope });
    const a = await open({ defaultImage: BASE, scope });
    const b = await open({ defaultImage: BASE, scope });
    const elsewhere = await open({ defaultImage: BASE, scope: `${scope}-other` });
    const unscoped = await open({ defaultImage: BASE, scope: "" });
    const listed = await janitor.listRunContainers();
    const idA = a.facts().container_id ?? "?";
    expect(listed).toContainEqual({ containerId: idA, runId: a.runId });
    expect(listed).toContainEqual({ containerId: b.facts().container_id, runId: b.runId });

    expect(listed.map((c) => c.runId)).not.toContain(elsewhere.runId);
    expect(listed.map((c) => c.runId)).not.toContain(unscoped.runId);
    const unscopedRuns = (await new DockerJanitor().listRunContainers()).map((c) => c.runId);
    expect(unscopedRuns).toContain(unscoped.runId);
    expect(unscopedRuns).not.toContain(a.runId);

    await janitor.remove(idA);
    expect(await containersOf(a.runId)).toEqual([]);
    await janitor.remove(idA);
    expect((await janitor.listRunContainers()).map((c) => c.runId)).not.toContain(a.runId);
    // The session whose container the janitor took still closes cleanly.
    for (const run of [a, b, elsewhere, unscoped]) await run.session.close();
  });

  it("reconcile removes the containers of runs that are not active and keeps the active run's", async () => {
    const scope = `reconcile-${randomUUID()}`;
    const active = await open({ defaultImage: BASE, scope });
    const finished = await open({ defaultImage: BASE, scope });
    const unknown = await open({ defaultImage: BASE, scope });
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
      const containers = createDockerJanitor({ scope });
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
