import type { ExecResult, ExecSession } from "../ports/exec.ts";
import type { PipelineHost, ShResult } from "../ports/pipeline-runtime.ts";
import type { Redactor, RunFiles } from "../ports/run-files.ts";
import type { WorkspaceFiles } from "../ports/workspaces.ts";
import type { Clock } from "../ports/clock-ids.ts";
import { err, ok, type Result } from "../result.ts";
import type { RunMeta } from "../types.ts";
import { capText, MAX_CMD_BYTES, MAX_SH_RECORDS, MessageLog, type LoggedMessage } from "./bounds.ts";
import { echoLines } from "./line-echo.ts";
import type { RunEventListener } from "./run-events.ts";
import { planSh } from "./sh-request.ts";

/** One `sh` call as the receipts count it; `cmd` is already redacted. */
export interface ShRecord {
  n: number;
  cmd: string;
  exit: number;
  reason: ExecResult["reason"];
  started_at: string;
  duration_ms: number;
  bytes_out: number;
  lines: number;
  redactions: number;
  capped: boolean;
}

export interface JobHostContext {
  meta: RunMeta;
  job: string;
  exec: ExecSession;
  files: RunFiles;
  /** Host path of the run's workspace, for the job's readFile and writeFile. */
  workspace: string;
  workspaceFiles: WorkspaceFiles;
  redactor: Redactor;
  secrets: ReadonlyMap<string, Result<string, string>>;
  /** Outputs this job may read: its sources and its ancestors, nothing else. */
  visible: ReadonlyMap<string, Record<string, unknown>>;
  clock: Clock;
  signal: AbortSignal;
  log: { capBytes: number; captureBytes: number };
  /** No single `sh` may be given longer than the whole run. */
  runTimeoutMs: number;
  onEvent?: RunEventListener;
  /** false: events without `output` lines (a live view that reads the logs from disk needs no echo). */
  echoOutput?: boolean;
  /** The executor broke (e.g. the container died): the run must end errored, not as a job failure. */
  onBroken?: (error: unknown) => void;
}

/** Counts over every sh call of a job, also those past the records a receipt lists. */
export interface ShTotals {
  calls: number;
  bytes_out: number;
  redactions: number;
}

export interface JobHost {
  host: PipelineHost;
  /** The first MAX_SH_RECORDS calls, one by one. */
  records: ShRecord[];
  totals: ShTotals;
  /** The job's log() messages as its receipt keeps them (capped). */
  messages(): LoggedMessage[];
}

/**
 * The server side of a job's primitives: `sh` through the executor into a redacted log,
 * secrets, ancestors' outputs, and workspace files (the sandbox cannot touch the disk).
 */
export function createJobHost(ctx: JobHostContext): JobHost {
  const records: ShRecord[] = [];
  const totals: ShTotals = { calls: 0, bytes_out: 0, redactions: 0 };
  const messages = new MessageLog();
  const emit = ctx.onEvent ?? (() => undefined);

  const sh = async (call: Parameters<PipelineHost["sh"]>[0]): Promise<Result<ShResult, string>> => {
    const plan = planSh(call, { maxTimeoutMs: ctx.runTimeoutMs });
    if (!plan.ok) return plan;
    if (ctx.signal.aborted) return err("the run was stopped");
    const n = ++totals.calls;
    const cmd = capText(ctx.redactor.redact(plan.value.display).text, MAX_CMD_BYTES, "command").text;
    emit({ type: "sh-started", job: ctx.job, n, cmd });
    const started_at = ctx.clock.now();
    const writer = await ctx.files.openLog(ctx.meta.repo, ctx.meta.run_id, ctx.job, n, {
      redactor: ctx.redactor,
      capBytes: ctx.log.capBytes,
      captureBytes: ctx.log.captureBytes,
    });
    // Splitting output into lines costs real throughput; only pay it when someone follows live.
    const echo = ctx.onEvent && ctx.echoOutput !== false
      ? echoLines(writer, ctx.redactor, (stream, line) => emit({ type: "output", job: ctx.job, stream, line }))
      : { sink: writer, flush: () => undefined };
    let result: ExecResult | undefined;
    try {
      result = await ctx.exec.exec(
        { argv: plan.value.argv, env: plan.value.env, cwd: plan.value.cwd, timeoutMs: plan.value.timeoutMs, signal: ctx.signal },
        echo.sink,
      );
      if (result.reason === "timed-out") await writer.note(`quire: timed out after ${plan.value.timeoutMs} ms; killed`);
    } catch (error) {
      ctx.onBroken?.(error);
      return err(`the executor failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      echo.flush();
      // An executor that broke still leaves a closed, readable log behind.
      if (result === undefined) await writer.close().catch(() => undefined);
    }
    const summary = await writer.close();
    totals.bytes_out += summary.bytes;
    totals.redactions += summary.redactions;
    if (records.length < MAX_SH_RECORDS) records.push({
      n,
      cmd,
      exit: result.exit,
      reason: result.reason,
      started_at,
      duration_ms: result.duration_ms,
      bytes_out: summary.bytes,
      lines: summary.lines,
      redactions: summary.redactions,
      capped: summary.capped,
    });
    emit({ type: "sh-finished", job: ctx.job, n, exit: result.exit, reason: result.reason });
    if (result.reason === "cancelled") return err("the run was stopped");
    return ok({ exit: result.exit, stdout: summary.stdout, stderr: summary.stderr, cmd, duration_ms: result.duration_ms });
  };

  const host: PipelineHost = {
    sh,
    async secret(name) {
      const found = ctx.secrets.get(name);
      if (!found) {
        const known = [...ctx.secrets.keys()].sort().join(", ") || "none";
        return err(`unknown secret "${name}" (configured: ${known}); secrets live in <home>/config.yml`);
      }
      return found.ok ? found : err(`secret "${name}": ${found.error}`);
    },
    jobs(name) {
      const outputs = ctx.visible.get(name);
      if (outputs) return ok(outputs);
      return err(`jobs("${name}"): job "${ctx.job}" can read only its sources and ancestors (${[...ctx.visible.keys()].join(", ")})`);
    },
    async log(message) {
      const text = messages.add(ctx.redactor.redact(String(message)).text, ctx.clock.now());
      emit({ type: "log", job: ctx.job, message: text });
    },
    async readFile(path) {
      if (ctx.signal.aborted) return err("the run was stopped");
      const read = await ctx.workspaceFiles.read(ctx.workspace, path);
      return read.ok ? read : err(`readFile: ${read.error}`);
    },
    async writeFile(path, data) {
      if (ctx.signal.aborted) return err("the run was stopped");
      const written = await ctx.workspaceFiles.write(ctx.workspace, path, data);
      return written.ok ? written : err(`writeFile: ${written.error}`);
    },
  };
  return { host, records, totals, messages: () => messages.final() };
}
