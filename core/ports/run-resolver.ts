import type { RunRecord } from "../types.ts";

/** How a run alias a user gave (a run id, `repo#n`, a sha prefix, `repo@ref`) resolved. */
export type RunLookup =
  | { kind: "found"; run: RunRecord }
  | { kind: "not-found"; message: string }
  | { kind: "ambiguous"; message: string; candidates: string[] }
  | { kind: "invalid"; message: string };

export interface RunResolver {
  resolve(alias: string): Promise<RunLookup>;
}
