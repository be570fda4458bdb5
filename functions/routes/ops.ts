import { Hono } from "hono";
import type { AppDeps } from "../app-deps.ts";
import { requireToken } from "../http/require-token.ts";

/** `GET /health` and `POST /reconcile` (the cron's target). */
export function opsRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.get("/health", (c) => c.json({ ok: true, time: deps.clock.now() }));
  app.post("/reconcile", requireToken(deps.hookToken), async (c) => {
    const report = await deps.reconcile();
    deps.logger.info({ report }, "reconciled");
    return c.json(report);
  });
  return app;
}
