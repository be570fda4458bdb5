import type { Forge } from "../../core/outbox/delivery.ts";
import type { ForgeStatusPort } from "../../core/ports/notify.ts";
import { judgeResponse, sendOutbound } from "../http/outbound-http.ts";
import { giteaStatus } from "./gitea-status.ts";
import { githubStatus } from "./github-status.ts";
import { gitlabStatus } from "./gitlab-status.ts";
import type { StatusRequestBuilder } from "./status-request.ts";

const BUILDERS: Record<Forge, StatusRequestBuilder> = {
  gitea: giteaStatus,
  forgejo: giteaStatus,
  github: githubStatus,
  gitlab: gitlabStatus,
};

/** Commit statuses over HTTP, the request shaped by the forge's adapter. */
export function forgeStatus(timeoutMs: number): ForgeStatusPort {
  return {
    async post(target, token) {
      const request = BUILDERS[target.forge](target, token);
      const response = await sendOutbound({
        method: "POST",
        url: request.url,
        timeoutMs,
        headers: { ...request.headers, "content-type": "application/json", "user-agent": "quire" },
        body: JSON.stringify(request.body),
      });
      const what = `${target.forge} status ${target.state}`;
      if (response.kind === "response" && request.alreadySet?.(response.status, response.body)) {
        return { kind: "delivered", status: response.status, message: `${what}: already set on the forge` };
      }
      return judgeResponse(response, what);
    },
  };
}
