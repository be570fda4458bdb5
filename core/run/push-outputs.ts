import { refParts } from "../intake/push-event.ts";
import type { RunMeta } from "../types.ts";

/** What the `quire/push` source gives a pipeline. */
export function pushOutputs(meta: RunMeta): Record<string, unknown> {
  const { branch, tag } = refParts(meta.ref);
  return { sha: meta.sha, ref: meta.ref, branch, tag, old_sha: meta.old_sha, pushed_at: meta.pushed_at, repo: meta.repo };
}
