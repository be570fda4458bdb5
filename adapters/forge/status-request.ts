import type { StatusTarget } from "../../core/outbox/delivery.ts";

/** The HTTP shape of one commit status call, built per forge and sent by the outbound client. */
export interface StatusRequest {
  url: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  /**
   * A refusal that means the forge already shows this state, e.g. a retry after a timeout
   * whose first attempt did arrive; such an answer counts as delivered, not given up.
   */
  alreadySet?: (status: number, body: string) => boolean;
}

export type StatusRequestBuilder = (target: StatusTarget, token: string) => StatusRequest;

/** `api` joined with a path, whether or not `api` ends in a slash. */
export function apiUrl(api: string, path: string): string {
  return api.replace(/\/+$/, "") + path;
}

/** owner/name as two escaped path segments. */
export function repoPath(repo: string): string {
  return repo.split("/").map(encodeURIComponent).join("/");
}
