import type { RunRecord } from "../types.ts";

/** How a user-given run reference (id or alias) resolved. */
export type RunLookup =
  | { kind: "found"; run: RunRecord }
  | { kind: "not-found"; message: string }
  | { kind: "ambiguous"; message: string; candidates: string[] }
  | { kind: "invalid"; message: string };

export interface RunResolver {
  resolve(ref: string): Promise<RunLookup>;
}
