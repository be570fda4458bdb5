import type { StatusState } from "../../core/outbox/delivery.ts";
import { apiUrl, type StatusRequestBuilder } from "./status-request.ts";

/** GitLab has its own words, including running, canceled and skipped. */
const STATE: Record<StatusState, string> = {
  pending: "pending",
  running: "running",
  success: "success",
  failure: "failed",
  error: "failed",
  cancelled: "canceled",
  skipped: "skipped",
};

/**
 * GitLab refuses to post a status its job already has: `400 {"message":"Cannot transition
 * status via :run from :running ..."}`. Only when the `from` state is the one being
 * posted is that harmless (the earlier attempt arrived); any other transition is refused.
 */
function alreadyIn(state: string) {
  return (status: number, body: string) => {
    if (status !== 400) return false;
    const from = /Cannot transition status via :\w+ from :(\w+)/.exec(body)?.[1];
    return from === state;
  };
}

/**
 * `POST {api}/projects/{id}/statuses/{sha}` (api: https://gitlab.example/api/v4) with
 * `PRIVATE-TOKEN`; the project is a numeric id or its URL-encoded path, the context is `name`.
 */
export const gitlabStatus: StatusRequestBuilder = (target, token) => ({
  url: apiUrl(target.api, `/projects/${encodeURIComponent(target.repo)}/statuses/${target.sha}`),
  headers: { "private-token": token, accept: "application/json" },
  body: {
    state: STATE[target.state],
    name: target.context,
    ref: target.ref.replace(/^refs\/(heads|tags)\//, ""),
    description: target.description.slice(0, 255),
    ...(target.target_url ? { target_url: target.target_url } : {}),
  },
  alreadySet: alreadyIn(STATE[target.state]),
});
