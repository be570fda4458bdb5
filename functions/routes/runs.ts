import { Hono } from "hono";
import { parseRepoName } from "../../core/repo-name.ts";
import { RUN_STATES, type RunState } from "../../core/types.ts";
import type { AppDeps } from "../app-deps.ts";
import { errorResponse } from "../http/errors.ts";
import { lookupFailure } from "../http/lookup-response.ts";
import { runView } from "../http/run-view.ts";

/** `GET /runs` and `GET /runs/:ref`. */
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
  app.get("/:ref", async (c) => {
    const lookup = await deps.resolver.resolve(c.req.param("ref"));
    if (lookup.kind !== "found") return lookupFailure(c, lookup);
    return c.json(runView(lookup.run));
  });
  return app;
}
