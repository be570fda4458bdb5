import { Hono } from "hono";
import { parseRepoName } from "../../core/repo-name.ts";
import { RUN_STATES, type RunState } from "../../core/types.ts";
import type { AppDeps } from "../app-deps.ts";
import { errorResponse } from "../http/errors.ts";
import { runView } from "../http/run-view.ts";

const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `GET /runs` and `GET /runs/:id`. */
export function runRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.get("/", async (c) => {
    const repoParam = c.req.query("repo");
    const stateParam = c.req.query("status");
    const repo = repoParam === undefined ? undefined : parseRepoName(repoParam);
    if (repo && !repo.ok) return errorResponse(c, 400, repo.error.code, repo.error.message);
    if (stateParam !== undefined && !RUN_STATES.includes(stateParam as RunState)) {
      return errorResponse(c, 400, "invalid_status", `status must be one of ${RUN_STATES.join(", ")}`);
    }
    const runs = await deps.store.listRuns({
      ...(repo ? { repo: repo.value } : {}),
      ...(stateParam ? { state: stateParam as RunState } : {}),
    });
    return c.json({ runs: runs.reverse().map(runView) });
  });
  app.get("/:id", async (c) => {
    const id = c.req.param("id");
    if (!RUN_ID.test(id)) return errorResponse(c, 400, "invalid_run_ref", `${JSON.stringify(id)} is not a run id`);
    const run = await deps.store.findRun(id);
    if (!run) return errorResponse(c, 404, "run_not_found", `no run ${id}`);
    return c.json(runView(run));
  });
  return app;
}
