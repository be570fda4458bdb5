import { raw } from "hono/html";
import type { RunRecord } from "../../core/types.ts";
import { between, durationLabel, jobSlug, refLabel, relativeLabel, statusLabel } from "./format.ts";
import { Badge, Layout, Time } from "./layout.tsx";
import { interleave } from "../../core/pipeline/job-transcript.ts";
import type { JobDetails, RunDetails, ShSection } from "./run-details.ts";

export interface RunPageProps {
  root: string;
  readAuth: "public" | "token";
  run: RunRecord;
  details: RunDetails;
  nowMs: number;
}

/** One run: header, jobs in order, then each job's logs with a header per sh call. */
export function RunPage(props: RunPageProps) {
  const { run, root } = props;
  const { meta, state } = run;
  const live = state.status === "pending" || state.status === "active";
  return (
    <Layout title={`${meta.repo}#${meta.number} · quire`} root={root} page="run" readAuth={props.readAuth}>
      <div
        id="run"
        data-run={meta.run_id}
        data-live={live ? "yes" : "no"}
        data-from={props.details.cursor}
        data-events={`${root}runs/${meta.run_id}/events`}
      >
        <RunHeader {...props} />
        <JobList jobs={props.details.jobs} />
        <div id="logs">
          {props.details.jobs.map((job) => (
            <JobLogs job={job} root={root} runId={meta.run_id} />
          ))}
        </div>
        <p class="follow" hidden id="follow-note">
          Following live output; scroll up to pause.
        </p>
      </div>
    </Layout>
  );
}

function RunHeader(props: RunPageProps) {
  const { meta, state } = props.run;
  const extra = state as { retried_by?: unknown };
  const label = statusLabel(state);
  const end = state.finished_at ?? (state.status === "active" ? new Date(props.nowMs).toISOString() : null);
  const subject = meta.subject;
  return (
    <section id="run-header" class="run-header">
      <h1>
        <Badge label={label} /> <a href={`${props.root}?repo=${encodeURIComponent(meta.repo)}`}>{meta.repo}</a> #{meta.number}
      </h1>
      <dl class="facts">
        <dt>ref</dt>
        <dd>{refLabel(meta.ref)}</dd>
        <dt>commit</dt>
        <dd>
          <code title={meta.sha}>{meta.sha.slice(0, 12)}</code> {typeof subject === "string" ? subject : ""}
        </dd>
        <dt>pushed</dt>
        <dd>
          <Time iso={state.created_at} label={relativeLabel(state.created_at, props.nowMs)} />
        </dd>
        <dt>started</dt>
        <dd>
          <Time iso={state.started_at} label={relativeLabel(state.started_at, props.nowMs)} />
        </dd>
        <dt>finished</dt>
        <dd>
          <Time iso={state.finished_at} label={relativeLabel(state.finished_at, props.nowMs)} />
        </dd>
        <dt>duration</dt>
        <dd>{durationLabel(between(state.started_at, end)) || "–"}</dd>
        {meta.retry_of ? (
          <>
            <dt>retry of</dt>
            <dd>
              <a href={`${props.root}run/${meta.retry_of}`}>{meta.retry_of}</a>
              {typeof extra.retried_by === "string" ? ` by ${extra.retried_by}` : ""}
            </dd>
          </>
        ) : null}
        <dt>run id</dt>
        <dd>
          <code>{meta.run_id}</code>
        </dd>
      </dl>
      {state.error ? <pre class="error-box" id="run-error">{state.error}</pre> : null}
      <p class="actions">
        <button type="button" data-action="cancel" hidden={!(state.status === "pending" || state.status === "active")}>
          Cancel
        </button>{" "}
        <button type="button" data-action="retry" hidden>
          Retry
        </button>{" "}
        <span id="action-result" role="status"></span>
      </p>
    </section>
  );
}

function JobList(props: { jobs: JobDetails[] }) {
  if (props.jobs.length === 0) return <p id="jobs" class="muted">No jobs recorded yet.</p>;
  return (
    <ol id="jobs" class="jobs">
      {props.jobs.map((job) => (
        <li data-job={job.id} data-status={job.status}>
          <Badge label={job.status} /> <a href={`#job-${jobSlug(job.id)}`}>{job.id}</a>{" "}
          <span class="muted">{durationLabel(job.duration_ms)}</span>
          {job.reason ? <span class="reason"> · {job.reason}</span> : null}
        </li>
      ))}
    </ol>
  );
}

function JobLogs(props: { job: JobDetails; root: string; runId: string }) {
  const { job } = props;
  const slug = jobSlug(job.id);
  return (
    <section class="job" id={`job-${slug}`} data-job={job.id}>
      <h2>
        <Badge label={job.status} /> {job.id} <span class="muted">{durationLabel(job.duration_ms)}</span>
      </h2>
      {job.reason ? <p class={`reason ${job.status === "skipped" ? "" : "error-text"}`}>{job.reason}</p> : null}
      {interleave(job.sh, job.messages).map((piece) =>
        piece.kind === "msg" ? (
          <div class="msg">log: {piece.msg.text}</div>
        ) : (
          <ShLog sh={piece.sh} job={job.id} slug={slug} root={props.root} runId={props.runId} />
        ),
      )}
    </section>
  );
}

export function ShHead(props: { sh: ShSection; job: string; slug: string; root: string; runId: string }) {
  const { sh } = props;
  const failed = sh.exit !== null && sh.exit !== 0;
  const raw = `${props.root}runs/${props.runId}/jobs/${encodeURIComponent(props.job)}/logs/${sh.n}`;
  return (
    <div class={`sh-head${failed ? " failed" : ""}`} id={`head-${props.slug}-${sh.n}`}>
      <code class="cmd">$ {sh.cmd ?? `sh call ${sh.n}`}</code>
      <span class="exit">
        {sh.exit === null ? "" : `exit ${sh.exit}`}
        {sh.reason ? ` (${sh.reason})` : ""}
      </span>
      <span class="muted">{durationLabel(sh.duration_ms)}</span>
      <a class="raw" href={raw} download={`${props.job}-sh-${sh.n}.log`}>
        raw log
      </a>
    </div>
  );
}

function ShLog(props: { sh: ShSection; job: string; slug: string; root: string; runId: string }) {
  const { sh, slug } = props;
  return (
    <div class="sh" id={`sh-${slug}-${sh.n}`} data-n={sh.n}>
      <ShHead {...props} />
      <div class="lines">
        {sh.lines.map((line, i) => {
          const id = `L-${slug}-${sh.n}-${i + 1}`;
          return (
            <div class={`l${line.stream === "stderr" ? " stderr" : ""}`} id={id}>
              <a class="ln" href={`#${id}`}>
                {i + 1}
              </a>
              <span class="tx">{raw(line.html)}</span>
            </div>
          );
        })}
      </div>
      {sh.cut ? <p class="muted">The log goes on; the raw log has all of it.</p> : null}
    </div>
  );
}
