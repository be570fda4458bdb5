import type { RunStore } from "./ports.ts";
import type { RunRecord } from "./types.ts";

/** How a user-given run reference (id or alias) resolved. */
export type RunLookup =
  | { kind: "found"; run: RunRecord }
  | { kind: "not-found"; message: string }
  | { kind: "ambiguous"; message: string; candidates: string[] }
  | { kind: "invalid"; message: string };

export interface RunResolver {
  resolve(ref: string): Promise<RunLookup>;
}

export const RUN_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Resolves run ids only; the run index adds aliases on top. */
export function idResolver(store: RunStore): RunResolver {
  return {
    async resolve(ref) {
      if (!RUN_ID_PATTERN.test(ref)) return { kind: "invalid", message: `${JSON.stringify(ref)} is not a run id` };
      const run = await store.findRun(ref);
      return run ? { kind: "found", run } : { kind: "not-found", message: `no run ${ref}` };
    },
  };
}
