import type { Result } from "../result.ts";

export interface SecretSource {
  /** All secrets configured for the server, resolved; unresolvable ones carry their error. */
  resolveAll(): Promise<Map<string, Result<string, string>>>;
}
