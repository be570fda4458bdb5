import { parseRunAlias, runAlias, type RunAlias } from "./run-alias.ts";
import type { IndexEntry } from "./run-index.ts";
import type { IndexView } from "../ports/run-index.ts";
import type { RunStore } from "../ports/storage.ts";
import type { RunLookup, RunResolver } from "../ports/run-resolver.ts";

const MAX_CANDIDATES = 20;

type Match =
  | { kind: "one"; entry: IndexEntry }
  | { kind: "none"; message: string }
  | { kind: "many"; message: string; entries: IndexEntry[] };

const newest = (entries: IndexEntry[]): IndexEntry =>
  entries.reduce((a, b) => (b.run_id > a.run_id ? b : a));

/** Which index entry an alias names; pure over the view. */
export function matchAlias(view: IndexView, alias: RunAlias): Match {
  switch (alias.kind) {
    case "id": {
      const entry = view.get(alias.id);
      return entry ? { kind: "one", entry } : { kind: "none", message: `no run ${alias.id}` };
    }
    case "number": {
      const entry = view.byNumber(alias.repo, alias.number);
      return entry ? { kind: "one", entry } : { kind: "none", message: `no run ${runAlias(alias.repo, alias.number)}` };
    }
    case "sha": {
      const runs = view.bySha(alias.prefix);
      if (runs.length === 0) return { kind: "none", message: `no run for a commit starting with ${alias.prefix}` };
      // Several runs of one commit in one repo (two refs, a retry) mean "the latest";
      // different commits, or one commit in two repos, need the user to say which.
      const keys = new Set(runs.map((r) => `${r.repo} ${r.sha}`));
      if (keys.size === 1) return { kind: "one", entry: newest(runs) };
      const shas = new Set(runs.map((r) => r.sha));
      const what = shas.size > 1 ? `${shas.size} commits` : `one commit in ${keys.size} repos`;
      return { kind: "many", message: `${alias.prefix} matches ${what}; give more of the sha or use <repo>#<number>`, entries: runs };
    }
    case "ref": {
      const found = alias.refs.map((ref) => view.latestAt(alias.repo, ref)).filter((e) => e !== undefined);
      if (found.length === 0) return { kind: "none", message: `no run of ${alias.repo} at ${alias.refs.join(" or ")}` };
      if (found.length > 1) {
        return { kind: "many", message: `${alias.ref} is both a branch and a tag in ${alias.repo}; use the full ref`, entries: found };
      }
      return { kind: "one", entry: found[0] as IndexEntry };
    }
  }
}

/**
 * Resolves ids and aliases through the index, then reads the run itself from the
 * store so callers always get the record as it is on disk now.
 */
export function indexResolver(index: { read(): Promise<IndexView> }, store: RunStore): RunResolver {
  return {
    async resolve(text: string): Promise<RunLookup> {
      const alias = parseRunAlias(text);
      if (!alias.ok) return { kind: "invalid", message: alias.error.message };
      const match = matchAlias(await index.read(), alias.value);
      if (match.kind === "many") {
        const candidates = match.entries
          .sort((a, b) => (a.run_id < b.run_id ? 1 : -1))
          .slice(0, MAX_CANDIDATES)
          .map((e) => runAlias(e.repo, e.number));
        return { kind: "ambiguous", message: match.message, candidates };
      }
      if (match.kind === "none") {
        // An id the index has not caught up with (it is derived data) is still found.
        const run = alias.value.kind === "id" ? await store.findRun(alias.value.id) : undefined;
        return run ? { kind: "found", run } : { kind: "not-found", message: match.message };
      }
      const run = await store.getRun(match.entry.repo, match.entry.run_id);
      if (run) return { kind: "found", run };
      return { kind: "not-found", message: `${text} is indexed but its run directory is gone; reconcile repairs the index` };
    },
  };
}
