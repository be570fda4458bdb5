import { Hono, type Context } from "hono";
import { encodeCursor, parseRunQuery } from "../../core/index/run-index-query.ts";
import type { RunRecord } from "../../core/types.ts";
import type { AppDeps } from "../app-deps.ts";
import { readAuthority } from "../http/authority.ts";
import { errorResponse } from "../http/errors.ts";
import { UI_SCRIPT } from "../ui/script.ts";
import { UI_STYLE } from "../ui/style.ts";
import { MessagePage } from "../ui/message-page.tsx";
import { runDetails } from "../ui/run-details.ts";
import { RunPage } from "../ui/run-page.tsx";
import { RunsPage } from "../ui/runs-page.tsx";

const PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 100;

/**
 * The pages for people: `/` (runs, filters `repo` and `status`, `cursor` paging, `limit` up to 100) and
 * `/run/:ref` (one run), rendered on the server so they read without JavaScript; the
 * script at `ui/app.js` adds live updates, cancel and retry.
 */
export function uiRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  const readAuth = deps.web?.readAuth ?? "public";
  const asset = (body: string, type: string) => (c: Context) =>
    c.body(body, 200, { "content-type": type, "cache-control": "no-cache", "x-content-type-options": "nosniff" });
  app.get("/ui/app.js", asset(UI_SCRIPT, "text/javascript; charset=utf-8"));
  app.get("/ui/app.css", asset(UI_STYLE, "text/css; charset=utf-8"));

  app.get("/", async (c) => {
    const root = "./";
    const denied = await needToken(c, root);
    if (denied) return denied;
    const params = c.req.query();
    // Filters the form sends empty mean "any"; what is kept travels on to the next page.
    const kept = {
      ...(params.repo ? { repo: params.repo } : {}),
      ...(params.status ? { status: params.status } : {}),
      ...(params.limit ? { limit: params.limit } : {}),
    };
    const query = parseRunQuery({ limit: String(PAGE_SIZE), ...kept, ...(params.cursor ? { cursor: params.cursor } : {}) });
    const nowMs = Date.now();
    const tooMany = query.ok && query.value.limit > MAX_PAGE_SIZE;
    if (!query.ok || tooMany) {
      const message = query.ok ? `limit must be an integer from 1 to ${MAX_PAGE_SIZE}` : query.error.message;
      const page = <RunsPage root={root} readAuth={readAuth} runs={[]} next={null} nowMs={nowMs} error={message} />;
      return c.html(page, 400);
    }
    const view = await deps.index.read();
    const found = view.query(query.value);
    const runs = (await Promise.all(found.runs.map((e) => deps.store.getRun(e.repo, e.run_id)))).filter((r): r is RunRecord => r !== undefined);
    let next: string | null = null;
    if (found.next !== null) {
      const more = new URLSearchParams(kept);
      more.set("cursor", encodeCursor(found.next));
      next = more.toString();
    }
    return c.html(
      <RunsPage
        root={root}
        readAuth={readAuth}
        runs={runs}
        next={next}
        nowMs={nowMs}
        {...(params.limit ? { limit: query.value.limit } : {})}
        {...(query.value.repo ? { repo: query.value.repo } : {})}
        {...(query.value.status ? { status: query.value.status } : {})}
      />,
    );
  });

  app.get("/run/:ref", async (c) => {
    const root = "../";
    const denied = await needToken(c, root);
    if (denied) return denied;
    const lookup = await deps.resolver.resolve(c.req.param("ref"));
    if (lookup.kind !== "found") {
      const text =
        lookup.kind === "ambiguous" ? `${lookup.message} (${lookup.candidates.join(", ")})` : lookup.message;
      return c.html(
        <MessagePage root={root} readAuth={readAuth} page="not-found" title="No such run" text={text} />,
        lookup.kind === "ambiguous" ? 409 : lookup.kind === "invalid" ? 400 : 404,
      );
    }
    const details = await runDetails(deps, lookup.run);
    return c.html(<RunPage root={root} readAuth={readAuth} run={lookup.run} details={details} nowMs={Date.now()} />);
  });
  return app;

  async function needToken(c: Context, root: string): Promise<Response | undefined> {
    if (await readAuthority(c, deps.web, deps.hookToken)) return undefined;
    const text = "Reading runs on this server needs the admin token: use the “admin token” button above.";
    return c.html(<MessagePage root={root} readAuth={readAuth} page="token" title="Token needed" text={text} />, 401);
  }
}

/** With `auth.read: token`, the JSON API and the live streams need the token too. */
export function readGuard(deps: AppDeps) {
  return async (c: Context, next: () => Promise<void>) => {
    const path = c.req.path;
    const open = path === "/" || path.startsWith("/run/") || path.startsWith("/ui/") || path === "/health" || c.req.method !== "GET";
    if (open || (await readAuthority(c, deps.web, deps.hookToken))) return next();
    return errorResponse(c, 401, "unauthorized", "reading runs needs the admin token (auth.read: token)");
  };
}
