import { Hono } from "hono";
import { streamSSE, type SSEStreamingApi } from "hono/streaming";
import type { LogReader } from "../../core/ports/run-files.ts";
import { isTerminal } from "../../core/run/transition.ts";
import type { RepoName } from "../../core/types.ts";
import type { AppDeps } from "../app-deps.ts";
import { lookupFailure } from "../http/lookup-response.ts";
import { runView } from "../http/run-view.ts";
import { decodeCursor, encodeCursor, logKey, type StreamCursor } from "../http/sse-cursor.ts";
import { logLineRenderer, type RenderedLine } from "../http/ui-log-line.ts";
import { parseRunFile } from "../../core/run/run-layout.ts";

const RETRY_MS = 2000;
const DEFAULT_HEARTBEAT_MS = 10_000;

/**
 * `GET /runs/:ref/events`: Server-Sent Events with `state` on every change, `log` for
 * each new complete log line (already redacted on disk), and `end` once the run is
 * terminal and every log is drained. Every event's `id:` is the stream's position, so a
 * reconnect with `Last-Event-ID` (or a first connect with `?from=<id>`) continues after
 * the last line received. A comment goes out whenever the stream has been quiet for the
 * heartbeat interval, so proxies do not close it while a job prints nothing.
 */
export function runEventRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.get("/:ref/events", async (c) => {
    const lookup = await deps.resolver.resolve(c.req.param("ref"));
    if (lookup.kind !== "found") return lookupFailure(c, lookup);
    const { repo, run_id } = lookup.run.meta;
    const cursor = decodeCursor(c.req.header("last-event-id") ?? c.req.query("from"));
    const heartbeatMs = deps.web?.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    // nginx buffers proxied responses by default; this asks it not to for this stream.
    c.header("X-Accel-Buffering", "no");
    return streamSSE(c, async (stream) => {
      let closed = false;
      stream.onAbort(() => {
        closed = true;
      });
      await stream.write(`retry: ${RETRY_MS}\n\n`);
      let lastWrite = Date.now();
      let lastState = "";
      const tail = new LogTail(deps, repo, run_id, cursor);
      while (!closed) {
        const run = await deps.store.getRun(repo, run_id);
        if (!run) break;
        const state = JSON.stringify(runView(run));
        let wrote = false;
        if (state !== lastState) {
          await stream.writeSSE({ event: "state", id: encodeCursor(cursor), data: state });
          lastState = state;
          wrote = true;
        }
        const sentLines = await tail.send(stream);
        wrote ||= sentLines;
        if (isTerminal(run.state.status) && !sentLines) {
          const end = { status: run.state.status, outcome: run.state.outcome };
          await stream.writeSSE({ event: "end", id: encodeCursor(cursor), data: JSON.stringify(end) });
          break;
        }
        if (wrote) {
          lastWrite = Date.now();
          continue;
        }
        if (Date.now() - lastWrite >= heartbeatMs) {
          await stream.write(": keep-alive\n\n");
          lastWrite = Date.now();
        }
        const pause = Math.min(deps.pollMs ?? 500, heartbeatMs);
        await (deps.waitForChange ? deps.waitForChange(run_id, pause) : stream.sleep(pause));
      }
    });
  });
  return app;
}

/** Reads every complete line past the cursor in each log of a run, and moves the cursor. */
class LogTail {
  private readonly renderers = new Map<string, (raw: string) => RenderedLine>();

  constructor(
    private readonly deps: AppDeps,
    private readonly repo: RepoName,
    private readonly runId: string,
    private readonly cursor: StreamCursor,
  ) {}

  async send(stream: SSEStreamingApi): Promise<boolean> {
    const { files, logs } = this.deps;
    if (!files || !logs) return false;
    let wrote = false;
    const logFiles = (await files.listFiles(this.repo, this.runId))
      .map((path) => ({ path, file: parseRunFile(path) }))
      .flatMap(({ path, file }) => (file.kind === "log" ? [{ path, job: file.job, n: file.n }] : []))
      .sort((a, b) => (a.job === b.job ? a.n - b.n : a.job.localeCompare(b.job)));
    for (const { path, job, n } of logFiles) {
      const key = logKey(job, n);
      const at = this.cursor.get(key) ?? { bytes: 0, lines: 0 };
      const chunk = await readAvailable(logs, this.repo, this.runId, path, at.bytes);
      const end = chunk.lastIndexOf(0x0a);
      if (end === -1) continue;
      let render = this.renderers.get(key);
      if (!render) this.renderers.set(key, (render = logLineRenderer()));
      let start = 0;
      while (start <= end) {
        const stop = chunk.indexOf(0x0a, start);
        const line = chunk.subarray(start, stop).toString("utf8");
        at.bytes += stop + 1 - start;
        at.lines += 1;
        start = stop + 1;
        this.cursor.set(key, at);
        const shown = render(line);
        const data = { job, n, no: at.lines, line, ...shown };
        await stream.writeSSE({ event: "log", id: encodeCursor(this.cursor), data: JSON.stringify(data) });
      }
      wrote = true;
    }
    return wrote;
  }
}

const MAX_READ = 1024 * 1024;

async function readAvailable(logs: LogReader, repo: RepoName, runId: string, path: string, offset: number): Promise<Buffer> {
  const opened = await logs.open(repo, runId, path, offset);
  if (!opened) return Buffer.alloc(0);
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
  return Buffer.concat(parts);
}

