import type { ExecRequest } from "../../core/ports/exec.ts";

/** An executor request with the defaults a test rarely changes. */
export function execRequest(argv: string[], extra: Partial<ExecRequest> = {}): ExecRequest {
  return { argv, env: {}, cwd: ".", timeoutMs: null, signal: new AbortController().signal, ...extra };
}
