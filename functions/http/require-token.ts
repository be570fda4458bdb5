import type { MiddlewareHandler } from "hono";
import { errorResponse } from "./errors.ts";

const encoder = new TextEncoder();

/**
 * Compares byte by byte with no early exit, so timing says nothing about where a guess
 * goes wrong. Synchronous on purpose: Web Crypto digests are thread-pool jobs, and on a
 * busy server they would queue behind disk writes on every hook request.
 */
export function sameSecret(given: string, expected: string): boolean {
  const x = encoder.encode(given);
  const y = encoder.encode(expected);
  let diff = x.length ^ y.length;
  const length = Math.max(x.length, y.length);
  for (let i = 0; i < length; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0 && y.length > 0;
}

/** Bearer-token guard for the hook and cron endpoints. */
export function requireToken(token: () => Promise<string> | string): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) return errorResponse(c, 401, "unauthorized", "missing bearer token");
    if (!sameSecret(match[1], await token())) return errorResponse(c, 401, "unauthorized", "wrong token");
    await next();
  };
}
