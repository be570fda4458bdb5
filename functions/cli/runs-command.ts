import { Command } from "commander";
import { receiptSh } from "../../core/pipeline/job-transcript.ts";
import { statusLabel } from "../../core/run/status-label.ts";
import { homeOption } from "./options.ts";
import type { RunDetailsJson } from "../http/api-types.ts";
import { printLogs } from "./runs-logs.ts";
import { action, connect } from "./server-api.ts";

const TERMINAL = new Set(["complete", "failed"]);
export const out = (line: string): void => {
  process.stdout.write(line + "\n");
};

export function runsCommand(): Command {
  const runs = new Command("runs").description("list, inspect, follow, cancel and retry runs on the running server");
  const nameHelp = "run id, <repo>#<number>, commit sha (7+ hex) or <repo>@<ref>";
  runs
    .command("list")
    .description("runs newest first, from the run index")
    .option(...homeOption)
    .option("--repo <repo>", "only this repo")
    .option("--ref <ref>", "only this ref (main, refs/tags/v1, …)")
    .option("--status <status>", "pending, active, complete or failed (cancelled, timed-out, … runs are failed)")
    .option("--outcome <outcome>", "succeeded, failed, errored, …")
    .option("--limit <n>", "at most this many (1-500, default 50)")
    .option("--cursor <cursor>", "continue after a previous page")
    .option("--json", "print the API response")
    .action(
      action(async (home, opts: Record<string, string | boolean | undefined>) => {
        const query: Record<string, string> = {};
        for (const key of ["repo", "ref", "status", "outcome", "limit", "cursor"]) {
          const value = opts[key];
          if (typeof value === "string") query[key] = value;
        }
        const page = await (await connect(home)).listRuns(query);
        if (opts.json) return out(JSON.stringify(page, null, 2));
        const rows = page.runs.map((r) => [`${r.repo}#${r.number}`, statusLabel(r), r.ref, r.sha.slice(0, 10), r.updated_at, r.last_job ?? "-"]);
        printTable(["RUN", "STATUS", "REF", "SHA", "UPDATED", "LAST JOB"], rows);
        if (page.next_cursor) {
          // The cursor only continues the same listing: repeat the filters and the home with it.
          const flags = ["home", "repo", "ref", "status", "outcome", "limit"].flatMap((key) => {
            const value = opts[key];
            return typeof value === "string" ? [`--${key} ${shellQuote(value)}`] : [];
          });
          process.stderr.write(`more: quire runs list ${[...flags, `--cursor ${page.next_cursor}`].join(" ")}\n`);
        }
      }),
    );
  runs
    .command("show")
    .description("one run: state, outcome, timing and its jobs")
    .argument("<run>", nameHelp)
    .option(...homeOption)
    .option("--json", "print the API response")
    .action(
      action(async (home, ref: string, opts: { json?: boolean }) => {
        const run = await (await connect(home)).getRun(ref);
        if (opts.json) return out(JSON.stringify(run, null, 2));
        printRun(run);
      }),
    );
  runs
    .command("logs")
    .description("print a run's commands with their exit codes, their output and log() messages, job by job; exits 1 unless the run succeeded")
    .argument("<run>", nameHelp)
    .option(...homeOption)
    .option("--job <job>", "only this job")
    .option("-f, --follow", "keep printing new lines until the run is complete or failed")
    .option("--json", "one JSON object per line: job, n, time, stream, text")
    .option("--poll-ms <ms>", "how often to look for new lines while following", "500")
    .action(
      action(async (home, ref: string, opts: { job?: string; follow?: boolean; json?: boolean; pollMs: string }) => {
        const succeeded = await printLogs(await connect(home), ref, opts);
        if (!succeeded) process.exitCode = 1;
      }),
    );
  for (const verb of ["cancel", "retry"] as const) {
    runs
      .command(verb)
      .description(verb === "cancel" ? "stop a pending or active run" : "start a new run of the same commit and ref")
      .argument("<run>", nameHelp)
      .option(...homeOption)
      .option("--json", "print the API response")
      .action(
        action(async (home, ref: string, opts: { json?: boolean }) => {
          const api = await connect(home);
          const result = verb === "cancel" ? await api.cancel(ref) : await api.retry(ref);
          if (opts.json) return out(JSON.stringify(result, null, 2));
          const name = `${result.run.repo}#${result.run.number}`;
          if (!("stopping" in result)) out(`queued ${name} (${result.run.run_id}), a retry of ${ref}`);
          else out(result.stopping ? `stopping ${name}; it ends as cancelled` : `cancelled ${name}`);
        }),
      );
  }
  return runs;
}

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  for (const row of [header, ...rows]) out(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ").trimEnd());
}

const seconds = (from: string | null, to: string | null): string =>
  from && to ? `${((Date.parse(to) - Date.parse(from)) / 1000).toFixed(1)} s` : "-";

function printRun(run: RunDetailsJson): void {
  out(`${run.alias}  ${statusLabel(run)}`);
  out(`  id        ${run.run_id}`);
  out(`  commit    ${run.sha} on ${run.ref}`);
  out(`  created   ${run.created_at}`);
  out(`  started   ${run.started_at ?? "-"}`);
  out(`  finished  ${run.finished_at ?? "-"}   (ran ${seconds(run.started_at, run.finished_at)})`);
  if (run.error) out(`  error     ${run.error}`);
  if (run.jobs.length === 0) return out(`  jobs      none recorded${TERMINAL.has(run.status) ? "" : " yet"}`);
  out("  jobs");
  const rows = run.jobs.map((job) => {
    const r = job.receipt;
    const state = typeof r?.state === "string" ? r.state : run.last_job === job.id && run.status === "active" ? "running" : "no receipt";
    const ms = typeof r?.duration_ms === "number" ? `${(r.duration_ms / 1000).toFixed(1)} s` : "-";
    // A command killed by a cancel or a timeout shows why, not the 143 of its SIGTERM.
    const exits = r ? `exits ${receiptSh(r).map((sh) => sh.reason ?? sh.exit ?? "?").join(",") || "-"}` : "";
    const logs = job.logs.length ? `logs ${job.logs.map((n) => `sh-${n}`).join(" ")}` : "no logs";
    return [`    ${job.id}`, state, ms, exits, logs];
  });
  printTable(["    JOB", "STATE", "TIME", "EXITS", "LOGS"], rows);
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./#-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
