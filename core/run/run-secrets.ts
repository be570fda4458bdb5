import type { Redactor } from "../ports/run-files.ts";
import { createRedactor, secretTooShort } from "../logs/redact.ts";
import { err, type Result } from "../result.ts";

/**
 * Every configured secret that resolved is redacted from this run's output, whether
 * or not the pipeline asks for it; a value too short to redact safely is refused.
 */
export function resolveRunSecrets(resolved: ReadonlyMap<string, Result<string, string>>): {
  secrets: Map<string, Result<string, string>>;
  redactor: Redactor;
} {
  const secrets = new Map<string, Result<string, string>>();
  const values: { name: string; value: string }[] = [];
  for (const [name, result] of resolved) {
    if (result.ok && secretTooShort(result.value)) {
      secrets.set(name, err("its value is too short to be redacted safely from logs; use a longer one"));
      continue;
    }
    if (result.ok) values.push({ name, value: result.value });
    secrets.set(name, result);
  }
  return { secrets, redactor: createRedactor(values) };
}
