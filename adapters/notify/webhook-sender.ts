import { createHmac } from "node:crypto";
import type { WebhookSender } from "../../core/ports/notify.ts";
import { judgeResponse, sendOutbound } from "../http/outbound-http.ts";

/** `sha256=<hex HMAC-SHA256 of the exact body>`, what a receiver recomputes with only the secret. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export function webhookSender(timeoutMs: number): WebhookSender {
  return {
    async send(target, deliveryId, secret) {
      const response = await sendOutbound({
        method: "POST",
        url: target.url,
        timeoutMs,
        body: target.body,
        headers: {
          "content-type": "application/json",
          "user-agent": "quire-webhook",
          "x-quire-event": target.event,
          "x-quire-delivery": deliveryId,
          "x-quire-signature-256": signature(secret, target.body),
        },
      });
      return judgeResponse(response, `webhook ${target.event}`);
    },
  };
}
