import type { RunResolver } from "../ports/run-resolver.ts";
import type { RunStore } from "../ports/storage.ts";
import { RUN_ID_PATTERN } from "../run/run-layout.ts";

/** Resolves run ids only; the run index adds aliases on top. */
export function idResolver(store: RunStore): RunResolver {
  return {
    async resolve(alias) {
      if (!RUN_ID_PATTERN.test(alias)) return { kind: "invalid", message: `${JSON.stringify(alias)} is not a run id` };
      const run = await store.findRun(alias);
      return run ? { kind: "found", run } : { kind: "not-found", message: `no run ${alias}` };
    },
  };
}
