import { Hono } from "hono";
import { encodeCursor, parseRunQuery } from "../../core/index/run-index-query.ts";
import { MAX_RECEIPT_BYTES } from "../../core/pipeline/bounds.ts";
import { runAlias } from "../../core/index/run-alias.ts";
import type { RepoName } from "../../core/types.ts";
import type { AppDeps } from "../app-deps.ts";
import { errorResponse } from "../http/errors.ts";
import { lookupFailure } from "../http/lookup-response.ts";
import { runView } from "../http/run-view.ts";
import type { LiveRun } from "../ui/live-runs.ts";
import { parseRunFile } from "../../core/run/run-layout.ts";

/**
 * `GET /runs` (filters repo, ref, status, outcome; limit; opaque cursor; newest first)
 * and `GET /runs/:ref` (id or alias, through the resolver).
 */
export function runRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.get("/", async (c) => {
    const query = parseRunQuery(c.req.query());
    if (!query.ok) return errorResponse(c, 400, query.error.code, query.error.message);
    const view = await deps.index.read();
    const page = view.query(query.value);
    return c.json({ runs: page.runs, next_cursor: page.next === null ? null : encodeCursor(page.next) });
  });
  app.get("/:ref", async (c) => {
    const lookup = await deps.resolver.resolve(c.req.param("ref"));
    if (lookup.kind !== "found") return lookupFailure(c, lookup);
    const { repo, number, run_id } = lookup.run.meta;
    return c.json({ ...runView(lookup.run), alias: runAlias(repo, number), jobs: await jobsOf(deps, repo, run_id) });
  });
  return app;
}

export interface JobView {
  id: string;
  /** The job's receipt.json once the job has finished, else null. */
  receipt: Record<string, unknown> | null;
  /** The n of every `sh-<n>.log` the job has written so far. */
  logs: number[];
  /** Why the receipt is not included though it exists (too large to serve). */
  receipt_omitted?: string;
  /**
   * While the job runs in this server's process: what its receipt will say once it ends
   * (state, the command of each sh call so far, its log() messages).
   */
  live?: { status: string; started_at: string | null; sh: { n: number; cmd: string; started_at: string; exit: number | null; reason: string | null }[]; messages: { at: string; text: string }[] };
}

const MAX_RESPONSE_RECEIPT_BYTES = 16 * 1024 * 1024;

/** Jobs as the run's files show them: whatever exists so far, nothing invented. */
async function jobsOf(deps: AppDeps, repo: RepoName, runId: string): Promise<JobView[]> {
  const jobs = new Map<string, JobView>();
  // Receipts are capped when written, but the response as a whole gets a budget too.
  let budget = MAX_RESPONSE_RECEIPT_BYTES;
  for (const path of await deps.files.listFiles(repo, runId)) {
    const file = parseRunFile(path);
    if (file.kind === "other") continue;
    const id = file.job;
    let job = jobs.get(id);
    if (!job) jobs.set(id, (job = { id, receipt: null, logs: [] }));
    if (file.kind === "log") job.logs.push(file.n);
    else {
      const read = budget > 0 ? await deps.files.readBounded(repo, runId, path, Math.min(MAX_RECEIPT_BYTES, budget)) : undefined;
      if (read?.kind === "text") {
        budget -= read.text.length;
        job.receipt = parseReceipt(read.text);
      } else if (read?.kind !== "missing") {
        job.receipt_omitted = read
          ? `receipt.json is ${read.bytes} bytes, more than this response serves`
          : "this run's receipts are more than one response serves";
      }
    }
  }
  addLive(deps.live?.get(runId), (id) => {
    let job = jobs.get(id);
    if (!job) jobs.set(id, (job = { id, receipt: null, logs: [] }));
    return job;
  });
  const started = (j: JobView) => String((j.receipt?.devlt as { started_at?: unknown } | undefined)?.started_at ?? j.live?.started_at ?? "~");
  return [...jobs.values()]
    .map((j) => ({ ...j, logs: j.logs.sort((a, b) => a - b) }))
    .sort((a, b) => compare(started(a), started(b)) || compare(a.id, b.id));
}

// Code-unit order: "~" (not started) sorts after every timestamp, whatever the locale.
/** Only jobs without a receipt yet: once it is written, the receipt is the record. */
function addLive(live: LiveRun | undefined, jobOf: (id: string) => JobView): void {
  if (!live) return;
  for (const [id, state] of live.jobs) {
    const job = jobOf(id);
    if (job.receipt !== null) continue;
    job.live = { status: state.status, started_at: state.started_at, sh: [], messages: [...(live.messages.get(id) ?? [])] };
  }
  for (const [key, call] of live.commands) {
    const slash = key.lastIndexOf("/");
    const job = jobOf(key.slice(0, slash));
    job.live?.sh.push({ n: Number(key.slice(slash + 1)), ...call });
  }
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function parseReceipt(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

