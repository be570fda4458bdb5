import type { GitPort } from "../ports/git.ts";
import { isDeletion } from "./push-event.ts";
import type { PushEvent, RefUpdate } from "../types.ts";

/** Where a pipeline may live, in the order they are tried. */
export const PIPELINE_PATHS = [".quire/ci.ts", ".quire/ci.js", ".quire/ci.mjs"] as const;

export type GateDecision =
  | { kind: "run"; update: RefUpdate; pipeline: string }
  | { kind: "skip"; update: RefUpdate; reason: "deleted" | "no-pipeline" };

/** Decides which refs of a push get a run. Deletions never do; refs without a pipeline are still accepted. */
export async function gate(event: PushEvent, git: GitPort): Promise<GateDecision[]> {
  return Promise.all(
    event.refs.map(async (update): Promise<GateDecision> => {
      if (isDeletion(update.new_sha)) return { kind: "skip", update, reason: "deleted" };
      const pipeline = await git.findFile(event.repo, update.new_sha, PIPELINE_PATHS);
      return pipeline === null
        ? { kind: "skip", update, reason: "no-pipeline" }
        : { kind: "run", update, pipeline };
    }),
  );
}
