import { describe, expect, it } from "vitest";
import type { ContainerJanitor, ProcessJanitor, WorkspaceJanitor } from "../../core/ports/janitors.ts";

export interface ContainerJanitorFixture {
  janitor: ContainerJanitor;
  /** Leaves a run container behind (as a crashed server would); returns the run id it carries. */
  leave(): Promise<string>;
  cleanup(): Promise<void>;
}

/** What reconcile relies on: stray run containers are listed with their run, and removal is final and idempotent. */
export function containerJanitorContract(name: string, make: () => Promise<ContainerJanitorFixture>): void {
  describe(`ContainerJanitor contract: ${name}`, () => {
    it("lists a left container with its run id, removes it, and removing it again is harmless", async () => {
      const fixture = await make();
      try {
        const runId = await fixture.leave();
        const listed = (await fixture.janitor.listRunContainers()).filter((c) => c.runId === runId);
        expect(listed).toHaveLength(1);
        const [container] = listed;
        if (!container) throw new Error("unreachable");
        await fixture.janitor.remove(container.containerId);
        await fixture.janitor.remove(container.containerId);
        expect((await fixture.janitor.listRunContainers()).map((c) => c.runId)).not.toContain(runId);
      } finally {
        await fixture.cleanup();
      }
    });
  });
}

export interface ProcessJanitorFixture {
  janitor: ProcessJanitor;
  /** Leaves a process group of `runId` running and recorded; `alive` says whether it still runs. */
  leave(runId: string): Promise<{ alive(): Promise<boolean> }>;
  cleanup(): Promise<void>;
}

/** What reconcile relies on: recorded groups are listed by run, killRun ends them and forgets the run. */
export function processJanitorContract(name: string, make: () => Promise<ProcessJanitorFixture>): void {
  describe(`ProcessJanitor contract: ${name}`, () => {
    it("lists runs with recorded groups, kills them, counts the live ones, and forgets the run", async () => {
      const fixture = await make();
      try {
        expect(await fixture.janitor.listRuns()).toEqual([]);
        const left = await fixture.leave("run-a");
        const other = await fixture.leave("run-b");
        expect((await fixture.janitor.listRuns()).sort()).toEqual(["run-a", "run-b"]);
        expect(await fixture.janitor.killRun("run-a")).toBe(1);
        expect(await left.alive()).toBe(false);
        expect(await other.alive()).toBe(true);
        expect(await fixture.janitor.listRuns()).toEqual(["run-b"]);
        expect(await fixture.janitor.killRun("run-a")).toBe(0);
        expect(await fixture.janitor.killRun("never-recorded")).toBe(0);
      } finally {
        await fixture.cleanup();
      }
    });
  });
}

export interface WorkspaceJanitorFixture {
  janitor: WorkspaceJanitor;
  /** Leaves what a run's workspace leaves on disk when its server dies; `present` says whether it is still there. */
  leave(runId: string): Promise<{ present(): Promise<boolean> }>;
}

const RUN_A = "0192f3a4-1b2c-7d3e-8f40-5a6b7c8d9e0f";
const RUN_B = "0192f3a4-1b2c-7d3e-8f40-5a6b7c8d9e10";

/** What reconcile relies on: what runs left is listed by run id; removal takes that run's only, is final and idempotent, and refuses a name that is no run id. */
export function workspaceJanitorContract(name: string, make: () => Promise<WorkspaceJanitorFixture>): void {
  describe(`WorkspaceJanitor contract: ${name}`, () => {
    it("lists the runs that left something, removes one run's, again harmlessly, and ignores a non-id", async () => {
      const fixture = await make();
      expect(await fixture.janitor.listRuns()).toEqual([]);
      const a = await fixture.leave(RUN_A);
      const b = await fixture.leave(RUN_B);
      expect((await fixture.janitor.listRuns()).sort()).toEqual([RUN_A, RUN_B]);
      await fixture.janitor.remove(RUN_A);
      await fixture.janitor.remove(RUN_A);
      await fixture.janitor.remove("..");
      expect(await a.present()).toBe(false);
      expect(await b.present()).toBe(true);
      expect(await fixture.janitor.listRuns()).toEqual([RUN_B]);
    });
  });
}
