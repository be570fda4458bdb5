import type { Context } from "hono";
import type { WebOptions } from "./web-options.ts";

/** The peer is a trusted proxy: its forwarding headers may be believed. */
export function fromTrustedProxy(c: Context, web: WebOptions | undefined): boolean {
  const peer = web?.remoteAddress?.(c);
  return peer !== undefined && web?.trustProxy?.(peer) === true;
}

/**
 * The client's address: the peer, or, when the peer is a trusted proxy, the nearest
 * `X-Forwarded-For` entry that is not itself a trusted proxy (entries further left are
 * whatever the client claimed and prove nothing).
 */
export function clientAddress(c: Context, web: WebOptions | undefined): string | undefined {
  const peer = web?.remoteAddress?.(c);
  if (peer === undefined || !fromTrustedProxy(c, web)) return peer;
  const hops = (c.req.header("x-forwarded-for") ?? "")
    .split(",")
    .map((hop) => hop.trim())
    .filter((hop) => hop.length > 0);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    if (!web?.trustProxy?.(hop)) return hop;
  }
  return hops[0] ?? peer;
}

/** `https` when a trusted proxy says so, else the scheme the request arrived with. */
export function clientProtocol(c: Context, web: WebOptions | undefined): string {
  // The peer first: an untrusted request's headers are not read at all (building them is
  // what loads Node's fetch classes, which a /health probe then never needs).
  if (fromTrustedProxy(c, web)) {
    const forwarded = c.req.header("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
    if (forwarded && /^https?$/.test(forwarded)) return forwarded;
  }
  return new URL(c.req.url).protocol.replace(":", "");
}
