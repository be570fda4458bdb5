import type { ProcessJanitor } from "../../core/ports/janitors.ts";

/** Recorded process groups as a map of run id to live group count, for tests without processes. */
export class FakeProcessJanitor implements ProcessJanitor {
  readonly groups = new Map<string, number>();

  /** A process group of `runId` still running. */
  leave(runId: string): void {
    this.groups.set(runId, (this.groups.get(runId) ?? 0) + 1);
  }

  async listRuns(): Promise<string[]> {
    return [...this.groups.keys()];
  }

  async killRun(runId: string): Promise<number> {
    const alive = this.groups.get(runId) ?? 0;
    this.groups.delete(runId);
    return alive;
  }
}
