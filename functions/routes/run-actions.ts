import { Hono } from "hono";
import { isJobId, logPath } from "../../core/run/run-layout.ts";
import { retryRun } from "../../core/run/retry-run.ts";
import type { AppDeps } from "../app-deps.ts";
import { errorResponse } from "../http/errors.ts";
import { lookupFailure } from "../http/lookup-response.ts";
import { writeAuthority } from "../http/authority.ts";
import { runView } from "../http/run-view.ts";

/** Cancel, retry and log download for one run, named by id or alias. */
export function runActionRoutes(deps: AppDeps): Hono {
  const app = new Hono();

  app.post("/:ref/cancel", async (c) => {
    const who = await writeAuthority(c, deps.web, deps.hookToken);
    if (!who.ok) return errorResponse(c, 401, "unauthorized", who.message);
    const lookup = await deps.resolver.resolve(c.req.param("ref"));
    if (lookup.kind !== "found") return lookupFailure(c, lookup);
    const result = await deps.queue.cancel(lookup.run, who.who);
    switch (result.kind) {
      case "cancelled":
        return c.json({ run: runView(result.run), stopping: false });
      case "stopping":
        return c.json({ run: runView(result.run), stopping: true }, 202);
      case "not-cancellable":
        return errorResponse(c, 409, "not_cancellable", result.message);
    }
  });

  app.post("/:ref/retry", async (c) => {
    const who = await writeAuthority(c, deps.web, deps.hookToken);
    if (!who.ok) return errorResponse(c, 401, "unauthorized", who.message);
    const lookup = await deps.resolver.resolve(c.req.param("ref"));
    if (lookup.kind !== "found") return lookupFailure(c, lookup);
    const result = await retryRun(deps, lookup.run, who.who);
    if (result.kind === "no-pipeline") return errorResponse(c, 409, "no_pipeline", result.message);
    deps.onRunsCreated([result.run]);
    return c.json({ run: runView(result.run) }, 202);
  });

  app.get("/:ref/jobs/:job/logs/:n", async (c) => {
    const job = c.req.param("job");
    const n = Number(c.req.param("n"));
    if (!isJobId(job)) return errorResponse(c, 400, "invalid_job", `${JSON.stringify(job)} is not a job id`);
    if (!Number.isInteger(n) || n < 1 || n > 1_000_000) return errorResponse(c, 400, "invalid_log", "n must be a positive integer");
    const offset = Number(c.req.query("offset") ?? "0");
    if (!Number.isInteger(offset) || offset < 0) return errorResponse(c, 400, "invalid_offset", "offset must be a byte count ≥ 0");
    const lookup = await deps.resolver.resolve(c.req.param("ref"));
    if (lookup.kind !== "found") return lookupFailure(c, lookup);
    const { repo, run_id } = lookup.run.meta;
    const opened = await deps.logs.open(repo, run_id, logPath(job, n), offset);
    if (!opened) return errorResponse(c, 404, "log_not_found", `run ${run_id} has no log sh-${n} for job ${job}`);
    return new Response(opened.stream, {
      headers: { "content-type": "text/plain; charset=utf-8", "x-log-size": String(opened.size) },
    });
  });

  return app;
}
