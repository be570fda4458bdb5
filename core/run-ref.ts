import type { RunStore } from "./ports/storage.ts";
import type { RunResolver } from "./ports/run-resolver.ts";

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
