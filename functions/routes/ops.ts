import { Hono } from "hono";
import { reconcile } from "../../core/maintenance/reconcile.ts";
import type { AppDeps } from "../app-deps.ts";
import { requireToken } from "../http/require-token.ts";

/** `GET /health` and `POST /reconcile` (the cron's target). */
export function opsRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.get("/health", (c) => c.json({ ok: true, time: deps.clock.now() }));
  app.post("/reconcile", requireToken(deps.hookToken), async (c) => {
    const report = await reconcile({ ...deps, ...(deps.requeue ? { requeue: deps.requeue } : {}) });
    deps.logger.info({ report }, "reconciled");
    return c.json(report);
  });
  return app;
}
