import { http, HttpResponse } from "msw";
import type { SetupServer } from "msw/node";
import type { StatusSettings } from "../../core/notify/repo-settings.ts";
import { runNotices } from "../../core/notify/run-notices.ts";
import type { RunEventName } from "../../core/notify/run-status.ts";
import type { DeliveryDraft, Forge } from "../../core/outbox/delivery.ts";
import type { Outcome, RepoName, RunRecord } from "../../core/types.ts";

/** One forge's status API as its public docs describe it. */
export interface ForgeCase {
  forge: Forge;
  api: string;
  repo: string;
  /** Where a status for `sha` must be posted. */
  url(sha: string): string;
  /** The auth and content headers the forge expects, lower-cased. */
  headers(token: string): Record<string, string>;
  /** The JSON body for a state word, context and description. */
  body(state: string, description: string, targetUrl: string): Record<string, unknown>;
  /** quire's state → the forge's word, for every event and outcome. */
  states: Record<"created" | "started" | Outcome, string>;
}

export const SHA = "0123456789abcdef0123456789abcdef01234567";
export const RUN_URL = "https://ci.example.test/quire/run/0190a5b0-0000-7000-8000-00000000000a";

export const FORGE_CASES: ForgeCase[] = [
  {
    forge: "gitea",
    api: "https://gitea.example.test/api/v1",
    repo: "me/demo",
    url: (sha) => `https://gitea.example.test/api/v1/repos/me/demo/statuses/${sha}`,
    headers: (token) => ({ authorization: `token ${token}`, accept: "application/json", "content-type": "application/json" }),
    body: (state, description, target_url) => ({ state, context: "quire", description, target_url }),
    // Gitea knows pending, success, error, failure and warning.
    states: {
      created: "pending",
      started: "pending",
      succeeded: "success",
      failed: "failure",
      "timed-out": "failure",
      errored: "error",
      orphaned: "error",
      cancelled: "warning",
      superseded: "warning",
    },
  },
  {
    forge: "forgejo",
    api: "https://codeberg.example.test/api/v1/",
    repo: "team.x/demo-app",
    url: (sha) => `https://codeberg.example.test/api/v1/repos/team.x/demo-app/statuses/${sha}`,
    headers: (token) => ({ authorization: `token ${token}`, accept: "application/json", "content-type": "application/json" }),
    body: (state, description, target_url) => ({ state, context: "quire", description, target_url }),
    states: {
      created: "pending",
      started: "pending",
      succeeded: "success",
      failed: "failure",
      "timed-out": "failure",
      errored: "error",
      orphaned: "error",
      cancelled: "warning",
      superseded: "warning",
    },
  },
  {
    forge: "github",
    api: "https://api.github.com",
    repo: "octo-org/demo",
    url: (sha) => `https://api.github.com/repos/octo-org/demo/statuses/${sha}`,
    headers: (token) => ({
      authorization: `Bearer ${token}`,
      accept: "application/vnd.github+json",
      "x-github-api-version": "2022-11-28",
      "content-type": "application/json",
    }),
    body: (state, description, target_url) => ({ state, context: "quire", description, target_url }),
    // GitHub knows error, failure, pending and success only.
    states: {
      created: "pending",
      started: "pending",
      succeeded: "success",
      failed: "failure",
      "timed-out": "failure",
      errored: "error",
      orphaned: "error",
      cancelled: "error",
      superseded: "error",
    },
  },
  {
    forge: "gitlab",
    api: "https://gitlab.example.test/api/v4",
    repo: "group/sub/demo",
    // The project id is the URL-encoded full path.
    url: (sha) => `https://gitlab.example.test/api/v4/projects/group%2Fsub%2Fdemo/statuses/${sha}`,
    headers: (token) => ({ "private-token": token, accept: "application/json", "content-type": "application/json" }),
    body: (state, description, target_url) => ({ state, name: "quire", ref: "main", description, target_url }),
    states: {
      created: "pending",
      started: "running",
      succeeded: "success",
      failed: "failed",
      "timed-out": "failed",
      errored: "failed",
      orphaned: "failed",
      cancelled: "canceled",
      superseded: "canceled",
    },
  },
];

export function statusSettings(c: ForgeCase): StatusSettings {
  return { forge: c.forge, api: c.api, repo: c.repo, token: "forge-token", context: "quire", per_job: false };
}

/** A run of demo.git at SHA, in the state an event reports. */
export function runAt(event: RunEventName, outcome: Outcome = "succeeded", number = 7): RunRecord {
  const at = "2026-11-21T10:00:00.000Z";
  const finished = event === "run.finished";
  return {
    meta: {
      run_id: `0190a5b0-0000-7000-8000-${String(number).padStart(12, "0")}`,
      repo: "demo.git" as RepoName,
      number,
      sha: SHA,
      ref: "refs/heads/main",
      old_sha: "0".repeat(40),
      pushed_at: at,
      pipeline: ".quire/ci.ts",
    },
    state: {
      status: finished ? (outcome === "succeeded" ? "complete" : "failed") : event === "run.started" ? "active" : "pending",
      outcome: finished ? outcome : null,
      created_at: at,
      started_at: event === "run.created" ? null : at,
      finished_at: finished ? at : null,
      error: null,
      lease: null,
      last_job: null,
    },
  };
}

/** What the notifier records for one run event with one status setting. */
export function statusDrafts(c: ForgeCase, event: RunEventName, run: RunRecord): DeliveryDraft[] {
  const host = new URL(c.api).host;
  const notices = runNotices({
    event,
    run,
    view: {},
    webhooks: [],
    settings: { mirrors: [], status: [statusSettings(c)] },
    tokenHosts: { "forge-token": [host] },
    runUrl: RUN_URL,
    jobs: {},
  });
  if (notices.problems.length > 0) throw new Error(notices.problems.join("; "));
  return notices.drafts;
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * Records every request msw sees, whatever its URL (so a wrong path is seen, not a 404
 * of msw's making), and answers with `answer`.
 */
export function recordForge(mock: SetupServer, answer: (seen: SeenRequest, n: number) => Promise<Response> | Response) {
  const seen: SeenRequest[] = [];
  mock.use(
    http.all("*", async ({ request }) => {
      const entry: SeenRequest = {
        method: request.method,
        url: request.url,
        headers: Object.fromEntries(request.headers),
        body: JSON.parse(await request.text()),
      };
      seen.push(entry);
      return answer(entry, seen.length);
    }),
  );
  return seen;
}

export const created = () => HttpResponse.json({ id: 1 }, { status: 201 });
