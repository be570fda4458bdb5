import type { RunState, RunRecord } from "../../core/types.ts";
import { Badge, Layout, Time } from "./layout.tsx";
import { between, durationLabel, refLabel, relativeLabel, statusLabel } from "./format.ts";

export interface RunsPageProps {
  root: string;
  readAuth: "public" | "token";
  runs: RunRecord[];
  repo?: string;
  status?: RunState;
  /** A page size asked for in the URL, kept by the filter form. */
  limit?: number;
  /** The query string of the next page, when there is one. */
  next: string | null;
  nowMs: number;
  error?: string;
}

const STATUSES: [RunState | "", string][] = [
  ["", "any status"],
  ["pending", "queued"],
  ["active", "running"],
  ["complete", "succeeded"],
  ["failed", "failed, cancelled, …"],
];

/** The runs list: newest first, filters as a plain GET form, paging by cursor. */
export function RunsPage(props: RunsPageProps) {
  const { root } = props;
  return (
    <Layout title={props.repo ? `${props.repo} · quire` : "quire runs"} root={root} page="list" readAuth={props.readAuth}>
      <h1>{props.repo ? props.repo : "Runs"}</h1>
      <form class="filters" method="get" action={root}>
        <input name="repo" placeholder="repo, e.g. demo.git" value={props.repo ?? ""} aria-label="repo" />
        <select name="status" aria-label="status">
          {STATUSES.map(([value, label]) => (
            <option value={value} selected={(props.status ?? "") === value}>
              {label}
            </option>
          ))}
        </select>
        {props.limit ? <input type="hidden" name="limit" value={String(props.limit)} /> : null}
        <button type="submit">Filter</button>
        {props.repo || props.status ? <a href={root}>all runs</a> : null}
      </form>
      {props.error ? <p class="error-box">{props.error}</p> : null}
      <div id="runs" data-live="list">
        {props.runs.length === 0 ? (
          <p class="muted">No runs{props.repo || props.status ? " match" : " yet: push a commit with .quire/ci.ts"}.</p>
        ) : (
          <table class="runs">
            <thead>
              <tr>
                <th>status</th>
                <th>run</th>
                <th>ref</th>
                <th>commit</th>
                <th>pushed</th>
                <th>duration</th>
              </tr>
            </thead>
            <tbody>
              {props.runs.map((run) => (
                <RunRow run={run} root={root} nowMs={props.nowMs} />
              ))}
            </tbody>
          </table>
        )}
        {props.next ? (
          <p class="paging">
            <a href={`${root}?${props.next}`} rel="next">
              older runs →
            </a>
          </p>
        ) : null}
      </div>
    </Layout>
  );
}

function RunRow(props: { run: RunRecord; root: string; nowMs: number }) {
  const { meta, state } = props.run;
  const label = statusLabel(state);
  const ran = between(state.started_at, state.finished_at ?? (state.status === "active" ? new Date(props.nowMs).toISOString() : null));
  const subject = meta.subject;
  return (
    <tr data-run={meta.run_id} data-status={label}>
      <td>
        <Badge label={label} />
      </td>
      <td>
        <a href={`${props.root}?repo=${encodeURIComponent(meta.repo)}`} class="repo">
          {meta.repo}
        </a>{" "}
        <a href={`${props.root}run/${meta.run_id}`} class="num">
          #{meta.number}
        </a>
      </td>
      <td class="ref">{refLabel(meta.ref)}</td>
      <td>
        <code title={meta.sha}>{meta.sha.slice(0, 8)}</code> <span class="subject">{typeof subject === "string" ? subject : ""}</span>
      </td>
      <td class="when">
        <Time iso={state.created_at} label={relativeLabel(state.created_at, props.nowMs)} />
      </td>
      <td class="dur">{durationLabel(ran)}</td>
    </tr>
  );
}
