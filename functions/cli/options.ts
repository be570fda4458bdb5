import { InvalidArgumentError } from "commander";

export const homeOption = ["--home <dir>", "quire home directory (default: $QUIRE_HOME or ~/.quire)"] as const;

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError("must be 0-65535");
  return port;
}
