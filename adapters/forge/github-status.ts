import type { StatusState } from "../../core/outbox/delivery.ts";
import { apiUrl, repoPath, type StatusRequestBuilder } from "./status-request.ts";

/** GitHub knows error, failure, pending, success; the rest maps to the nearest. */
const STATE: Record<StatusState, string> = {
  pending: "pending",
  running: "pending",
  success: "success",
  failure: "failure",
  error: "error",
  cancelled: "error",
  skipped: "success",
};

/** `POST {api}/repos/{owner}/{repo}/statuses/{sha}` (api: https://api.github.com); descriptions are capped at 140. */
export const githubStatus: StatusRequestBuilder = (target, token) => ({
  url: apiUrl(target.api, `/repos/${repoPath(target.repo)}/statuses/${target.sha}`),
  headers: {
    authorization: `Bearer ${token}`,
    accept: "application/vnd.github+json",
    "x-github-api-version": "2022-11-28",
  },
  body: {
    state: STATE[target.state],
    context: target.context,
    description: target.description.length > 140 ? target.description.slice(0, 139) + "…" : target.description,
    ...(target.target_url ? { target_url: target.target_url } : {}),
  },
});
