import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppDeps } from "../app-deps.ts";
import { acceptEvent } from "../http/accept-event.ts";
import { readDeclaredBody } from "../http/declared-body.ts";
import { errorResponse } from "../http/errors.ts";
import { requireToken } from "../http/require-token.ts";
import { runView } from "../http/run-view.ts";
import type { PushEvent } from "../../core/types.ts";


/** `POST /events/push`: the post-receive hook's way in. */
export function eventRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  const limit = deps.bodyLimitBytes;
  const tooLarge = (c: Context) => errorResponse(c, 413, "body_too_large", `body exceeds ${limit} bytes`);
  app.post(
    "/push",
    requireToken(deps.hookToken),
    async (c, next) => {
      const body = await readDeclaredBody(c, limit);
      if (body === undefined) return next();
      if (body.kind === "too-large") return tooLarge(c);
      return acceptPushRequest(c, deps, async () => JSON.parse(body.text) as unknown);
    },
    // Bodies of no declared length (chunked), and runtimes other than node, are read the hono way.
    bodyLimit({ maxSize: limit, onError: tooLarge }),
    (c) => acceptPushRequest(c, deps, () => c.req.json()),
  );
  return app;
}

async function acceptPushRequest(c: Context, deps: AppDeps, json: () => Promise<unknown>): Promise<Response> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    return errorResponse(c, 415, "unsupported_media_type", "content-type must be application/json");
  }
  let body: unknown;
  try {
    body = await json();
  } catch {
    return errorResponse(c, 400, "invalid_json", "body is not valid JSON");
  }
  const result = await acceptEvent(deps, body);
  switch (result.kind) {
    case "invalid":
      return errorResponse(c, 400, result.error.code, result.error.message);
    case "unknown-repo":
      return errorResponse(c, 404, "unknown_repo", `no repo named ${result.repo}`);
    case "accepted": {
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
  }
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
