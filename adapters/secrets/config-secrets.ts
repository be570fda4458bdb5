import { readFile } from "node:fs/promises";
import type { SecretSource } from "../../core/ports/secrets.ts";
import { err, ok, type Result } from "../../core/result.ts";

/** One secret in config.yml: a literal, `{ env }` or `{ file }`; functions/node/config.ts parses into this type. */
export type SecretSpec = string | { env: string } | { file: string };

/**
 * Secrets from the server's config: a literal, an environment variable of the server,
 * or a file. Never from the repo. Resolved per run so a rotated file takes effect.
 */
export function configSecrets(specs: Readonly<Record<string, SecretSpec>>, env: NodeJS.ProcessEnv = process.env): SecretSource {
  return {
    async resolveAll() {
      const resolved = new Map<string, Result<string, string>>();
      for (const [name, spec] of Object.entries(specs)) resolved.set(name, await resolveOne(spec, env));
      return resolved;
    },
  };
}

async function resolveOne(spec: SecretSpec, env: NodeJS.ProcessEnv): Promise<Result<string, string>> {
  if (typeof spec === "string") return ok(spec);
  if ("env" in spec) {
    const value = env[spec.env];
    return value === undefined ? err(`environment variable ${spec.env} is not set on the server`) : ok(value);
  }
  try {
    // A trailing newline is how editors save files, not part of the secret.
    return ok((await readFile(spec.file, "utf8")).replace(/\r?\n$/, ""));
  } catch (error) {
    return err(`cannot read ${spec.file}: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
  }
}
