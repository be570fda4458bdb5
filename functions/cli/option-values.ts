/**
 * The rules for option values, without commander: options.ts turns a refusal into commander's
 * error, and serve-args.ts checks the values it takes on its own by the same rules.
 */

/** A TCP port, 0 (pick a free one) to 65535; undefined for anything else. */
export function portNumber(value: string): number | undefined {
  const port = Number(value);
  return Number.isInteger(port) && port >= 0 && port <= 65535 ? port : undefined;
}

/** Same rule as `public_url` in config.yml: an absolute http(s) URL, no query or fragment. Undefined when it is one, else why not. */
export function publicUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be an absolute URL such as https://ci.example.org/ci/";
  }
  if (!/^https?:$/.test(url.protocol)) return "must be an http or https URL";
  if (url.search || url.hash || /[?#]/.test(value)) return "cannot have a query or a fragment";
  return undefined;
}
