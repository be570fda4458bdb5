import { readFileSync } from "node:fs";
import { ApiError } from "../../functions/http/api-client.ts";
import type { RunDetailsJson } from "../../functions/http/api-types.ts";
import type { ServerProcess } from "./quire-process.ts";

/** `GET /runs/:ref`, typed by the server's own shapes (functions/http/api-types.ts). */
export type RunView = RunDetailsJson;

const TERMINAL = new Set(["complete", "failed"]);

/** An answer the server refused (not a server that is gone): worth asking again. */
const refused = (error: unknown): boolean => error instanceof ApiError && error.status !== null;

/** Polls `GET /runs/:ref` until `done` holds for the run (default: it is terminal). */
export async function waitForRun(
  server: Pick<ServerProcess, "api">,
  ref: string,
  done: (run: RunView) => boolean = (run) => TERMINAL.has(run.status),
  timeoutMs = 45_000,
): Promise<RunView> {
  const deadline = Date.now() + timeoutMs;
  let last: RunView | undefined;
  while (Date.now() < deadline) {
    const run = await server.api.getRun(ref).catch((error: unknown) => {
      if (refused(error)) return undefined;
      throw error;
    });
    if (run) {
      last = run;
      if (done(run)) return run;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${ref} did not get there in ${timeoutMs} ms; last seen: ${JSON.stringify(last)}`);
}

/** The run ids a push's hook reported, from its `quire: run … queued for <ref> (<id>)` lines. */
export function runIdsFromPush(stderr: string): string[] {
  return [...stderr.matchAll(/queued for \S+ \(([0-9a-f-]{36})\)/g)].map((m) => m[1] as string);
}

/** One `sh-<n>.log` of a job, raw; "" while the server has none. */
export async function readLog(server: Pick<ServerProcess, "api">, runId: string, job: string, n = 1): Promise<string> {
  return server.api.logs(runId, job, n).catch((error: unknown) => {
    if (refused(error)) return "";
    throw error;
  });
}

/** A POST with the hook token, answered as it comes (tests of status codes). */
export async function postWithToken(server: Pick<ServerProcess, "api">, path: string): Promise<Response> {
  return server.api.raw("POST", path);
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

/** A one-ref push event, as the hook posts it. */
export function pushEvent(repo: string, ref: string, sha: string, oldSha = "0".repeat(40)) {
  return { type: "push", repo, pushed_at: new Date().toISOString(), refs: [{ ref, old_sha: oldSha, new_sha: sha }] };
}

/** Posts a one-ref push event straight to the server, as the hook would, answered as it comes. */
export function postPush(server: Pick<ServerProcess, "api">, repo: string, ref: string, sha: string): Promise<Response> {
  return server.api.raw("POST", "events/push", { body: JSON.stringify(pushEvent(repo, ref, sha)), headers: { "content-type": "application/json" } });
}
