import { readFileSync } from "node:fs";
import type { RunDetailsJson } from "../../functions/http/api-types.ts";
import type { ServerProcess } from "./quire-process.ts";

/** `GET /runs/:ref`, typed by the server's own shapes (functions/http/api-types.ts). */
export type RunView = RunDetailsJson;

const TERMINAL = new Set(["complete", "failed"]);

/** Polls `GET /runs/:ref` until `done` holds for the run (default: it is terminal). */
export async function waitForRun(
  server: ServerProcess,
  ref: string,
  done: (run: RunView) => boolean = (run) => TERMINAL.has(run.status),
  timeoutMs = 45_000,
): Promise<RunView> {
  const deadline = Date.now() + timeoutMs;
  let last: RunView | undefined;
  while (Date.now() < deadline) {
    const response = await server.request(`/runs/${encodeURIComponent(ref)}`);
    if (response.ok) {
      last = (await response.json()) as RunView;
      if (done(last)) return last;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${ref} did not get there in ${timeoutMs} ms; last seen: ${JSON.stringify(last)}`);
}

/** The run ids a push's hook reported, from its `quire: run … queued for <ref> (<id>)` lines. */
export function runIdsFromPush(stderr: string): string[] {
  return [...stderr.matchAll(/queued for \S+ \(([0-9a-f-]{36})\)/g)].map((m) => m[1] as string);
}

export async function readLog(server: ServerProcess, runId: string, job: string, n = 1): Promise<string> {
  const response = await server.request(`/runs/${runId}/jobs/${encodeURIComponent(job)}/logs/${n}`);
  return response.ok ? response.text() : "";
}

export async function postWithToken(server: ServerProcess, path: string): Promise<Response> {
  return server.request(path, { method: "POST", headers: { authorization: `Bearer ${server.token}` } });
}

/** A zombie counts as dead: it is gone but for its exit status, which init here reaps late. */
export const pidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
};

/** Posts a one-ref push event straight to the server, as the hook would, with the hook token. */
export function postPush(server: ServerProcess, repo: string, ref: string, sha: string): Promise<Response> {
  return server.request("/events/push", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${server.token}` },
    body: JSON.stringify({ type: "push", repo, pushed_at: new Date().toISOString(), refs: [{ ref, old_sha: "0".repeat(40), new_sha: sha }] }),
  });
}
