import { Hono } from "hono";
import type { DeliveryStatus } from "../../core/outbox/delivery.ts";
import type { AppDeps } from "../app-deps.ts";
import { deliveryView } from "../http/delivery-view.ts";
import { errorResponse } from "../http/errors.ts";
import { lookupFailure } from "../http/lookup-response.ts";
import { requireToken } from "../http/require-token.ts";

const STATUSES: readonly DeliveryStatus[] = ["pending", "in-flight", "delivered", "failed", "superseded"];
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/**
 * `GET /deliveries` (newest first; `?run=<id or alias>`, `?status=`, `?limit=`),
 * `GET /deliveries/:id`, `POST /deliveries/:id/redeliver`. All need the token: the log
 * names webhook and forge URLs and says what each answered.
 */
export function deliveryRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.use(requireToken(deps.hookToken));
  const log = deps.deliveries;
  if (log === null) {
    app.use(async (c) => errorResponse(c, 404, "no_outbox", "this server keeps no outbox (mirrors, statuses and webhooks are sent by `quire serve`)"));
    return app;
  }
  app.get("/", async (c) => {
    const status = c.req.query("status");
    if (status !== undefined && !STATUSES.includes(status as DeliveryStatus)) {
      return errorResponse(c, 400, "invalid_status", `status must be one of ${STATUSES.join(", ")}`);
    }
    const limitText = c.req.query("limit") ?? String(DEFAULT_LIMIT);
    const limit = /^\d{1,4}$/.test(limitText) ? Number(limitText) : NaN;
    if (!(limit >= 1 && limit <= MAX_LIMIT)) return errorResponse(c, 400, "invalid_limit", `limit must be a whole number from 1 to ${MAX_LIMIT}`);
    let runId: string | undefined;
    const ref = c.req.query("run");
    if (ref !== undefined) {
      const lookup = await deps.resolver.resolve(ref);
      const failed = lookupFailure(c, lookup);
      if (failed || lookup.kind !== "found") return failed;
      runId = lookup.run.meta.run_id;
    }
    const shown = log
      .list()
      .filter((d) => (status === undefined || d.status === status) && (runId === undefined || d.run_id === runId))
      .slice(0, limit);
    return c.json({ deliveries: shown.map(deliveryView) });
  });
  app.get("/:id", (c) => {
    const delivery = log.get(c.req.param("id"));
    return delivery ? c.json(deliveryView(delivery)) : errorResponse(c, 404, "delivery_not_found", `no delivery ${c.req.param("id")}`);
  });
  app.post("/:id/redeliver", async (c) => {
    const id = c.req.param("id");
    const result = await log.redeliver(id);
    switch (result.kind) {
      case "not-found":
        return errorResponse(c, 404, "delivery_not_found", `no delivery ${id}`);
      case "busy":
        return errorResponse(c, 409, "delivery_busy", `delivery ${id} is being attempted right now; try again when it settles`);
      case "queued":
        return c.json(deliveryView(result.delivery), 202);
    }
  });
  return app;
}
