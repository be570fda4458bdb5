import type { Context } from "hono";

/** How the HTTP surface meets people and proxies; every field has a safe default. */
export interface WebOptions {
  /** `public_url`: the prefix it names is accepted whether or not the proxy strips it. */
  publicUrl?: string;
  /** The peer address of the connection (the Node host knows it, a Worker does not). */
  remoteAddress?: (c: Context) => string | undefined;
  /** Addresses whose forwarding headers are believed (`trust_proxy`). */
  trustProxy?: (address: string) => boolean;
  /** `auth.read`: `public` (default) or `token`. */
  readAuth?: "public" | "token";
  /** `auth.proxy_user_header`: who a trusted proxy says is asking; may cancel and retry. */
  proxyUserHeader?: string;
  /** Longest silence on an SSE stream before a heartbeat comment. */
  heartbeatMs?: number;
}
