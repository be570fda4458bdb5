import { draftRun } from "../intake/create-run.ts";
import { PIPELINE_PATHS } from "../intake/gate.ts";
import type { Clock, Ids } from "../ports/clock-ids.ts";
import type { GitPort } from "../ports/git.ts";
import type { RunStore } from "../ports/storage.ts";
import type { RunRecord } from "../types.ts";

export type RetryResult = { kind: "created"; run: RunRecord } | { kind: "no-pipeline"; message: string };

/** A new run of the same commit and ref, numbered like any other, remembering what it retries. */
export async function retryRun(
  deps: { store: RunStore; git: GitPort; ids: Ids; clock: Clock },
  original: RunRecord,
  by?: string,
): Promise<RetryResult> {
  const { meta } = original;
  const pipeline = await deps.git.findFile(meta.repo, meta.sha, PIPELINE_PATHS);
  if (pipeline === null) {
    return { kind: "no-pipeline", message: `commit ${meta.sha} of ${meta.repo} has no pipeline any more` };
  }
  const draft = draftRun(
    {
      repo: meta.repo,
      update: { ref: meta.ref, old_sha: meta.old_sha, new_sha: meta.sha },
      pushed_at: deps.clock.now(),
      pipeline,
      retry_of: meta.run_id,
      ...(meta.subject === undefined ? {} : { subject: meta.subject }),
      ...(by === undefined ? {} : { retried_by: by }),
    },
    deps.ids,
    deps.clock,
  );
  return { kind: "created", run: await deps.store.createRun(draft) };
}
