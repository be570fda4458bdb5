import type { ExecutionContext } from "hono";
import type { ReconcileReport } from "../core/maintenance/reconcile.ts";
import type { AppDeps } from "./app-deps.ts";
import { createApp } from "./app.ts";

/** What the Workers runtime hands `scheduled`; declared here so the code needs no runtime type package. */
export interface ScheduledController {
  readonly scheduledTime: number;
  readonly cron: string;
}

export interface QuireWorker {
  fetch(request: Request, env?: unknown, ctx?: ExecutionContext): Response | Promise<Response>;
  /** The cron trigger: reconcile. Kept alive through `ctx.waitUntil` when the runtime gives one. */
  scheduled(controller: ScheduledController, env?: unknown, ctx?: Pick<ExecutionContext, "waitUntil">): Promise<ReconcileReport>;
}

/**
 * The Workers-shaped entry (wrangler.toml's `main`): the same app and the same reconcile
 * as `quire serve`, over whatever adapters the caller wires in.
 */
export function createWorker(deps: AppDeps): QuireWorker {
  const app = createApp(deps);
  return {
    fetch: (request, env, ctx) => app.fetch(request, env ?? {}, ctx),
    scheduled(controller, _env, ctx) {
      const work = deps.reconcile().then(
        (report) => {
          deps.logger.info({ cron: controller.cron, scheduled_at: controller.scheduledTime, ...report }, "reconciled");
          return report;
        },
        (error: unknown) => {
          deps.logger.error({ cron: controller.cron, err: error }, "reconcile failed");
          throw error;
        },
      );
      ctx?.waitUntil(work);
      return work;
    },
  };
}
