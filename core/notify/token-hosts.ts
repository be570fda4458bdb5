import { err, ok, type Result } from "../result.ts";

/** Secret name → the hosts it may be sent to, from the server's config.yml (`token_hosts`). */
export type TokenHosts = Readonly<Record<string, readonly string[]>>;

/**
 * A repo's settings are written by whoever can push, so they must not be able to send a
 * server secret to a host of their choosing. The server's owner lists, per secret, the
 * hosts that may receive it (`host` or `host:port`); anything else is refused.
 */
export function tokenMayGoTo(hosts: TokenHosts, secret: string, url: string, key: string): Result<void, string> {
  const allowed = hosts[secret] ?? [];
  const target = new URL(url);
  if (allowed.some((h) => h === target.host || h === target.hostname)) return ok(undefined);
  return err(
    `${key}: secret ${secret} may not be sent to ${target.host} (list the host under token_hosts.${secret} in the server's config.yml)`,
  );
}
