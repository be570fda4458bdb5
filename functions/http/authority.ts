import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { fromTrustedProxy } from "./client-address.ts";
import { sameSecret } from "./require-token.ts";
import type { WebOptions } from "./web-options.ts";

export const TOKEN_HEADER = "x-quire-token";
export const TOKEN_COOKIE = "quire_token";
/** What the page sends with every write; any value. Not CORS-safelisted, so never on a forged request. */
export const WRITE_HEADER = "x-quire-request";

export type Authority = { ok: true; who: string } | { ok: false; message: string };

/** A user name as a trusted proxy sends it, made safe for state.yml and logs. */
function proxyUser(c: Context, web: WebOptions | undefined): string | undefined {
  if (!web?.proxyUserHeader || !fromTrustedProxy(c, web)) return undefined;
  const name = c.req.header(web.proxyUserHeader)?.replace(/[^\x20-\x7e]/g, "").trim().slice(0, 100);
  return name ? name : undefined;
}

function headerToken(c: Context): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
  return bearer ?? c.req.header(TOKEN_HEADER)?.trim();
}

/**
 * Who may cancel and retry: a user named by a trusted proxy, or whoever sends the admin
 * token in a header. Only headers count, never a cookie: a browser adds neither
 * `Authorization` nor `X-Quire-Token` to a cross-site form post, and a script on another
 * site cannot send them without a CORS preflight this server never grants. That is the CSRF guard.
 * A proxy adds its user header to a forged cross-site post as readily as to a real one (basic
 * auth and client certificates travel with it), so a proxy user's write also needs `X-Quire-Request`.
 */
export async function writeAuthority(c: Context, web: WebOptions | undefined, token: () => Promise<string> | string): Promise<Authority> {
  const given = headerToken(c);
  const user = proxyUser(c, web);
  if (user && (given !== undefined || c.req.header(WRITE_HEADER) !== undefined)) return { ok: true, who: user };
  if (user) return { ok: false, message: `a write from a browser needs the ${WRITE_HEADER} header (cross-site requests cannot send it)` };
  if (!given) return { ok: false, message: "this needs the admin token (Authorization: Bearer or X-Quire-Token)" };
  if (!sameSecret(given, await token())) return { ok: false, message: "wrong token" };
  return { ok: true, who: "the admin token" };
}

/** Reads with `auth.read: token`: the token in a header or in the page's same-site cookie, or a trusted proxy user. */
export async function readAuthority(c: Context, web: WebOptions | undefined, token: () => Promise<string> | string): Promise<boolean> {
  if (web?.readAuth !== "token") return true;
  if (proxyUser(c, web)) return true;
  const given = headerToken(c) ?? getCookie(c, TOKEN_COOKIE);
  return given !== undefined && sameSecret(given, await token());
}
