import type { SecretSource } from "../../core/ports/secrets.ts";
import type { ForgeStatusPort, MirrorPusher, WebhookSender } from "../../core/ports/notify.ts";
import type { AttemptResult, Delivery } from "../../core/outbox/delivery.ts";
import type { DeliveryAttempt } from "../../core/ports/outbox.ts";
import { createRedactor } from "../../core/logs/redact.ts";

export interface AttemptDeps {
  secrets: SecretSource;
  webhooks: WebhookSender;
  forge: ForgeStatusPort;
  mirror: MirrorPusher;
}

/**
 * Resolves the delivery's secret by name at the moment of the attempt (so a rotated
 * secret takes effect and none is stored), makes the attempt, and redacts every secret
 * value from what the attempt reports before it is written to the outbox.
 */
export function attemptDelivery(deps: AttemptDeps): DeliveryAttempt {
  return async (delivery: Delivery): Promise<AttemptResult> => {
    const resolved = await deps.secrets.resolveAll();
    const values = [...resolved].flatMap(([name, r]) => (r.ok ? [{ name, value: r.value }] : []));
    const redactor = createRedactor(values);
    const { target } = delivery;
    const name = target.kind === "webhook" ? target.secret : target.token;
    const secret = resolved.get(name);
    if (secret === undefined) return { kind: "give-up", message: `secret ${name} is not configured in the server's config.yml` };
    if (!secret.ok) return { kind: "retry", message: `secret ${name}: ${secret.error}` };
    let result: AttemptResult;
    switch (target.kind) {
      case "webhook":
        result = await deps.webhooks.send(target, delivery.id, secret.value);
        break;
      case "status":
        result = await deps.forge.post(target, secret.value);
        break;
      case "mirror":
        result = await deps.mirror.push(target, secret.value);
        break;
    }
    return { ...result, message: redactor.redact(result.message).text };
  };
}
