/**
 * The HTTP API's JSON shapes, derived from the code that writes them, so a client (the CLI,
 * the tests, the benches) cannot drift from the server: change `runView` or `JobView` and
 * every reader is checked against it.
 */
import type { IndexEntry } from "../../core/index/run-index.ts";
import type { ReconcileReport } from "../../core/maintenance/reconcile.ts";
import type { JobView } from "../routes/runs.ts";
import type { DeliveryView } from "./delivery-view.ts";
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
/** `POST /events/push` (202): the runs made, the refs skipped, the runs of an event seen before. */
export interface PushJson {
  runs: RunJson[];
  skipped: { ref: string; reason: string }[];
  already: RunJson[];
  warnings?: string[];
}
/** `POST /runs/:ref/cancel`: `stopping` while an active run is being stopped (202). */
export interface CancelJson {
  run: RunJson;
  stopping: boolean;
}
/** `POST /runs/:ref/retry` (202): the new run. */
export interface RetryJson {
  run: RunJson;
}
/** `GET /deliveries`. */
export interface DeliveryListJson {
  deliveries: DeliveryView[];
}
/** `GET /health`. */
export interface HealthJson {
  ok: boolean;
  time: string;
}
/** `POST /reconcile`. */
export type ReconcileJson = ReconcileReport;
/** Every error answer. */
export interface ErrorJson {
  error: { code: string; message: string; candidates?: string[] };
}
