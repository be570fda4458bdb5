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
});
