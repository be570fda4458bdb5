import type { MiddlewareHandler } from "hono";
import { errorResponse } from "./errors.ts";

const encoder = new TextEncoder();

/** Compares digests byte by byte with no early exit, so timing says nothing about the token. */
async function sameSecret(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(given)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0 && expected.length > 0;
}

/** Bearer-token guard for the hook and cron endpoints. */
export function requireToken(token: () => Promise<string> | string): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) return errorResponse(c, 401, "unauthorized", "missing bearer token");
    if (!(await sameSecret(match[1], await token()))) return errorResponse(c, 401, "unauthorized", "wrong token");
    await next();
  };
}
