import { Hono } from "hono";
import { LinearRouter } from "hono/router/linear-router";
import type { AppDeps } from "./app-deps.ts";
import { isBareBasePath, stripBasePath } from "./http/base-path.ts";
import { errorResponse } from "./http/errors.ts";
import { basePathOf } from "./http/join-url.ts";
import { requestLog } from "./http/request-log.ts";
import { StorageError } from "../core/errors.ts";
import { deliveryRoutes } from "./routes/deliveries.ts";
import { eventRoutes } from "./routes/events.ts";
import { opsRoutes } from "./routes/ops.ts";
import { runActionRoutes } from "./routes/run-actions.ts";
import { runEventRoutes } from "./routes/run-events.ts";
import { runRoutes } from "./routes/runs.ts";
import { readGuard, uiRoutes } from "./routes/ui.tsx";

/** The composition root of the HTTP surface. */
export function createApp(deps: AppDeps): Hono {
  const basePath = basePathOf(deps.web?.publicUrl);
  // Matches by walking the routes: Hono's default router compiles every route into one
  // regular expression on the first request, a cost each server start paid before /health
  // answered; a walk over some thirty routes costs microseconds a request.
  const app = new Hono({ router: new LinearRouter(), getPath: stripBasePath(basePath) });
  app.use(requestLog(deps.logger, deps.web));
  app.use(async (c, next) => {
    if (!isBareBasePath(basePath, c.req.raw)) return next();
    return c.redirect(`${basePath}${new URL(c.req.url).search}`, 308);
  });
  app.use(readGuard(deps));
  app.route("/", uiRoutes(deps));
  app.route("/events", eventRoutes(deps));
  app.route("/runs", runActionRoutes(deps));
  app.route("/runs", runEventRoutes(deps));
  app.route("/runs", runRoutes(deps));
  app.route("/", opsRoutes(deps));
  app.route("/deliveries", deliveryRoutes(deps));
  app.notFound((c) => errorResponse(c, 404, "not_found", `no route for ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => {
    // The store being down is not the request's fault: 503 tells the hook to keep the event and try later.
    if (error instanceof StorageError && error.code === "db_unavailable") {
      deps.logger.warn({ err: error }, "store unavailable");
      return errorResponse(c, 503, "store_unavailable", "the run store is unavailable; try again later");
    }
    deps.logger.error({ err: error }, "request failed");
    return errorResponse(c, 500, "internal", "internal error; see the server log");
  });
  return app;
}
