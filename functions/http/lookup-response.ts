import type { Context } from "hono";
import type { RunLookup } from "../../core/ports/run-resolver.ts";
import { errorResponse } from "./errors.ts";

/** Maps a failed lookup to 400 / 404 / 409; a found run returns undefined. */
export function lookupFailure(c: Context, lookup: RunLookup): Response | undefined {
  switch (lookup.kind) {
    case "found":
      return undefined;
    case "invalid":
      return errorResponse(c, 400, "invalid_run_ref", lookup.message);
    case "not-found":
      return errorResponse(c, 404, "run_not_found", lookup.message);
    case "ambiguous":
      return c.json({ error: { code: "ambiguous_run_ref", message: lookup.message, candidates: lookup.candidates } }, 409);
  }
}
