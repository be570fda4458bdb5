import { Hono } from "hono";
import { streamSSE, type SSEStreamingApi } from "hono/streaming";
import type { LogReader } from "../../core/exec-ports.ts";
import { isTerminal } from "../../core/transition.ts";
import type { RepoName } from "../../core/types.ts";
import type { AppDeps } from "../app-deps.ts";
import { lookupFailure } from "../http/lookup-response.ts";
import { runView } from "../http/run-view.ts";

const LOG_FILE = /^jobs\/(.+)\/sh-(\d+)\.log$/;

/**
 * `GET /runs/:ref/events`: Server-Sent Events with `state` on every change, `log` for
 * each new complete log line (already redacted on disk), and `end` once the run is
 * terminal and every log is drained.
 */
export function runEventRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.get("/:ref/events", async (c) => {
    const lookup = await deps.resolver.resolve(c.req.param("ref"));
    if (lookup.kind !== "found") return lookupFailure(c, lookup);
    const { repo, run_id } = lookup.run.meta;
    return streamSSE(c, async (stream) => {
      let closed = false;
      stream.onAbort(() => {
        closed = true;
      });
      let lastState = "";
      const offsets = new Map<string, number>();
      while (!closed) {
        const run = await deps.store.getRun(repo, run_id);
        if (!run) break;
        const state = JSON.stringify(runView(run));
        if (state !== lastState) {
          await stream.writeSSE({ event: "state", data: state });
          lastState = state;
        }
        const wrote = await tailLogs(deps, repo, run_id, offsets, stream);
        if (isTerminal(run.state.status) && !wrote) {
          await stream.writeSSE({ event: "end", data: JSON.stringify({ status: run.state.status, outcome: run.state.outcome }) });
          break;
        }
        if (!wrote) await stream.sleep(deps.pollMs ?? 500);
      }
    });
  });
  return app;
}

/** Sends every complete line past the last offset of each log; true when anything was sent. */
async function tailLogs(
  deps: AppDeps,
  repo: RepoName,
  runId: string,
  offsets: Map<string, number>,
  stream: SSEStreamingApi,
): Promise<boolean> {
  if (!deps.files || !deps.logs) return false;
  let wrote = false;
  const paths = (await deps.files.listFiles(repo, runId)).filter((p) => LOG_FILE.test(p)).sort(byJobAndNumber);
  for (const path of paths) {
    const [, job, n] = LOG_FILE.exec(path) ?? [];
    const offset = offsets.get(path) ?? 0;
    const chunk = await readAvailable(deps.logs, repo, runId, path, offset);
    const end = chunk.lastIndexOf("\n");
    if (end === -1) continue;
    for (const line of chunk.slice(0, end).split("\n")) {
      await stream.writeSSE({ event: "log", data: JSON.stringify({ job, n: Number(n), line }) });
    }
    offsets.set(path, offset + Buffer.byteLength(chunk.slice(0, end + 1)));
    wrote = true;
  }
  return wrote;
}

const MAX_READ = 1024 * 1024;

async function readAvailable(logs: LogReader, repo: RepoName, runId: string, path: string, offset: number): Promise<string> {
  const opened = await logs.open(repo, runId, path, offset);
  if (!opened) return "";
  const reader = opened.stream.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  while (size < MAX_READ) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
  return Buffer.concat(parts).toString("utf8");
}

function byJobAndNumber(a: string, b: string): number {
  const [, ja = "", na = "0"] = LOG_FILE.exec(a) ?? [];
  const [, jb = "", nb = "0"] = LOG_FILE.exec(b) ?? [];
  return ja === jb ? Number(na) - Number(nb) : ja.localeCompare(jb);
}
