/**
 * The HTTP API's JSON shapes, derived from the code that writes them, so a client (the CLI,
 * the tests, the benches) cannot drift from the server: change `runView` or `JobView` and
 * every reader is checked against it.
 */
import type { IndexEntry } from "../../core/index/run-index.ts";
import type { JobView } from "../routes/runs.ts";
import type { runView } from "./run-view.ts";

/** A run in `POST /events/push`'s answer and the base of `GET /runs/:ref`. */
export type RunJson = ReturnType<typeof runView>;
/** `GET /runs/:ref`. */
export type RunDetailsJson = RunJson & { alias: string; jobs: JobView[] };
/** `GET /runs`: index entries, newest first, and the cursor of the next page. */
export interface RunListJson {
  runs: IndexEntry[];
  next_cursor: string | null;
}
/** Every error answer. */
export interface ErrorJson {
  error: { code: string; message: string; candidates?: string[] };
}
