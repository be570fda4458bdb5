import { InvalidArgumentError } from "commander";

export const homeOption = ["--home <dir>", "quire home directory (default: $QUIRE_HOME or ~/.quire)"] as const;

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError("must be 0-65535");
  return port;
}

/** Same rule as `public_url` in config.yml: an absolute http(s) URL, no query or fragment. */
export function parsePublicUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError("must be an absolute URL such as https://ci.example.org/ci/");
  }
  if (!/^https?:$/.test(url.protocol)) throw new InvalidArgumentError("must be an http or https URL");
  if (url.search || url.hash || /[?#]/.test(value)) throw new InvalidArgumentError("cannot have a query or a fragment");
  return value;
}
