import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppDeps } from "../app-deps.ts";
import { acceptEvent } from "../http/accept-event.ts";
import { errorResponse } from "../http/errors.ts";
import { requireToken } from "../http/require-token.ts";
import { runView } from "../http/run-view.ts";
import type { PushEvent } from "../../core/types.ts";


/** `POST /events/push`: the post-receive hook's way in. */
export function eventRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.post(
    "/push",
    requireToken(deps.hookToken),
    bodyLimit({
      maxSize: deps.bodyLimitBytes,
      onError: (c) => errorResponse(c, 413, "body_too_large", `body exceeds ${deps.bodyLimitBytes} bytes`),
    }),
    async (c) => {
      const type = c.req.header("content-type") ?? "";
      if (!/^application\/json\s*(;|$)/i.test(type)) {
        return errorResponse(c, 415, "unsupported_media_type", "content-type must be application/json");
      }
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        return errorResponse(c, 400, "invalid_json", "body is not valid JSON");
      }
      const result = await acceptEvent(deps, body);
      switch (result.kind) {
        case "invalid":
          return errorResponse(c, 400, result.error.code, result.error.message);
        case "unknown-repo":
          return errorResponse(c, 404, "unknown_repo", `no repo named ${result.repo}`);
        case "accepted":
          deps.onRunsCreated(result.runs);
          const warnings = await pushWarnings(deps, result.event);
          return c.json(
            {
              runs: result.runs.map(runView),
              skipped: result.skipped.map((s) => ({ ref: s.update.ref, reason: s.reason })),
              // An event delivered before (same event_id): its runs, not made again.
              already: result.already.map(runView),
              ...(warnings.length > 0 ? { warnings } : {}),
            },
            202,
          );
      }
    },
  );
  return app;
}

/** Mirrors never fail a push: what goes wrong is told to the pusher and logged. */
async function pushWarnings(deps: AppDeps, event: PushEvent): Promise<string[]> {
  try {
    return await deps.onPush(event);
  } catch (error) {
    deps.logger.error({ err: error, repo: event.repo }, "could not record the push's mirror deliveries");
    return ["mirror pushes for this push could not be recorded; see the server log"];
  }
}
