import type { AttemptResult } from "../../core/outbox/delivery.ts";

export interface OutboundRequest {
  method: "POST" | "PUT";
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export type OutboundResponse =
  | { kind: "response"; status: number; body: string }
  | { kind: "timeout"; message: string }
  | { kind: "network"; message: string }
  | { kind: "redirect-refused"; status: number; message: string };

const MAX_REDIRECTS = 3;
/** Enough of a response body to say why it failed, not enough to fill the outbox. */
const BODY_CAP = 2048;

/**
 * The one way quire talks HTTP to the outside world: fetch with a deadline covering the
 * whole exchange, and redirects followed by hand, only on the same host and never from
 * https to http, so a receiver cannot bounce a signed body or a token somewhere else.
 */
export async function sendOutbound(request: OutboundRequest): Promise<OutboundResponse> {
  const signal = AbortSignal.timeout(request.timeoutMs);
  let url = new URL(request.url);
  try {
    for (let hop = 0; ; hop++) {
      const response = await fetch(url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        redirect: "manual",
        signal,
      });
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location !== null) {
        await response.body?.cancel();
        const next = new URL(location, url);
        const allowed = next.hostname === url.hostname && !(url.protocol === "https:" && next.protocol !== "https:");
        if (!allowed || hop >= MAX_REDIRECTS) {
          const why = allowed ? `more than ${MAX_REDIRECTS} redirects` : `redirect to another host (${next.host}) refused`;
          return { kind: "redirect-refused", status: response.status, message: why };
        }
        url = next;
        continue;
      }
      const text = await response.text();
      return { kind: "response", status: response.status, body: text.slice(0, BODY_CAP) };
    }
  } catch (error) {
    if (signal.aborted) return { kind: "timeout", message: `no answer within ${request.timeoutMs} ms` };
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { kind: "network", message: cause?.code ?? cause?.message ?? (error as Error).message };
  }
}

/** The common reading of an HTTP answer: 2xx done, 408/429/5xx and network trouble retried, other 4xx final. */
export function judgeResponse(response: OutboundResponse, what: string): AttemptResult {
  switch (response.kind) {
    case "timeout":
      return { kind: "retry", message: `${what}: ${response.message}`, timedOut: true };
    case "network":
      return { kind: "retry", message: `${what}: ${response.message}` };
    case "redirect-refused":
      return { kind: "give-up", status: response.status, message: `${what}: ${response.message}` };
    case "response": {
      const { status } = response;
      const detail = response.body.replace(/\s+/g, " ").trim().slice(0, 300);
      const message = `${what}: HTTP ${status}${detail ? ` ${detail}` : ""}`;
      if (status >= 200 && status < 300) return { kind: "delivered", status, message: `${what}: HTTP ${status}` };
      if (status === 408 || status === 429 || status >= 500) return { kind: "retry", status, message };
      return { kind: "give-up", status, message };
    }
  }
}
