import { InvalidArgumentError } from "commander";
import { portNumber, publicUrlProblem } from "./option-values.ts";

export const homeOption = ["--home <dir>", "quire home directory (default: $QUIRE_HOME or ~/.quire)"] as const;

export function parsePort(value: string): number {
  const port = portNumber(value);
  if (port === undefined) throw new InvalidArgumentError("must be 0-65535");
  return port;
}

/** Same rule as `public_url` in config.yml: an absolute http(s) URL, no query or fragment. */
export function parsePublicUrl(value: string): string {
  const problem = publicUrlProblem(value);
  if (problem !== undefined) throw new InvalidArgumentError(problem);
  return value;
}
