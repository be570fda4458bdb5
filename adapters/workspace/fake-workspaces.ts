import type { Workspaces } from "../../core/ports/workspaces.ts";
import { err, ok } from "../../core/result.ts";

/** Workspaces that exist only as names: `/fake-workspace/<sha>/<run-id>`. */
export class FakeWorkspaces implements Workspaces {
  readonly live = new Set<string>();

  constructor(private readonly missing: ReadonlySet<string> = new Set()) {}

  async materialize(_repo: string, sha: string, runId: string) {
    if (this.missing.has(sha)) return err({ message: `fatal: not a valid object name ${sha}` });
    this.live.add(runId);
    return ok(`/fake-workspace/${sha}/${runId}`);
  }

  async remove(runId: string) {
    this.live.delete(runId);
  }
}
