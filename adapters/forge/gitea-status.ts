import type { StatusState } from "../../core/outbox/delivery.ts";
import { apiUrl, repoPath, type StatusRequestBuilder } from "./status-request.ts";

/** Gitea and Forgejo know pending, success, error, failure, warning; "running" is pending there. */
const STATE: Record<StatusState, string> = {
  pending: "pending",
  running: "pending",
  success: "success",
  failure: "failure",
  error: "error",
  cancelled: "warning",
  skipped: "warning",
};

/** `POST {api}/repos/{owner}/{repo}/statuses/{sha}` with `Authorization: token …` (api: https://host/api/v1). */
export const giteaStatus: StatusRequestBuilder = (target, token) => ({
  url: apiUrl(target.api, `/repos/${repoPath(target.repo)}/statuses/${target.sha}`),
  headers: { authorization: `token ${token}`, accept: "application/json" },
  body: {
    state: STATE[target.state],
    context: target.context,
    description: target.description.slice(0, 255),
    ...(target.target_url ? { target_url: target.target_url } : {}),
  },
});
