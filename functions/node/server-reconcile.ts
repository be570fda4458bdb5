import { readHookToken, readServerUrl, type Home } from "./home.ts";
import { apiClient } from "../http/api-client.ts";

export type ServerReconcile =
  | { kind: "no-server" }
  | { kind: "unreachable"; url: string }
  | { kind: "answered"; url: string; ok: boolean; body: Record<string, unknown> };

/**
 * Only the server writes run state and the index while it runs, so commands that
 * repair them ask it to reconcile first and work on the files themselves only when
 * no server answers.
 */
export async function askServerToReconcile(home: Home): Promise<ServerReconcile> {
  const url = await readServerUrl(home);
  if (!url) return { kind: "no-server" };
  try {
    // The answer as it came, refusals included: the commands print the server's own words.
    const response = await apiClient({ baseUrl: url, token: await readHookToken(home) }).raw("POST", "reconcile");
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    return { kind: "answered", url, ok: response.ok, body };
  } catch {
    return { kind: "unreachable", url };
  }
}
