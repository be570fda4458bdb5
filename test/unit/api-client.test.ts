import { describe, expect, it } from "vitest";
import { FakeGit } from "../../adapters/git/fake-git.ts";
import type { DeliveryLog } from "../../core/outbox/delivery-log.ts";
import type { RepoName } from "../../core/types.ts";
import { createApp } from "../../functions/app.ts";
import { apiClient, ApiError, type ApiClientOptions } from "../../functions/http/api-client.ts";
import { memoryDeps } from "../support/memory-deps.ts";
import { deliveryRecord } from "../support/outbox-fixtures.ts";
import { pushEvent } from "../support/runs-api.ts";

const PIPELINE_SHA = "a".repeat(40);
const PLAIN_SHA = "b".repeat(40);
/** Shares its first 20 hex digits with PIPELINE_SHA. */
const TWIN_SHA = "a".repeat(20) + "c".repeat(20);
const REPO = "demo.git" as RepoName;

/** The client over the real app and its real routes, in memory: its fetch is hono's `app.request`. */
function served(options: { token?: string; deliveries?: DeliveryLog; baseUrl?: string; publicUrl?: string } = {}) {
  const git = new FakeGit().commit(REPO, PIPELINE_SHA, [".quire/ci.ts"]).commit(REPO, TWIN_SHA, [".quire/ci.ts"]).commit(REPO, PLAIN_SHA, ["README.md"]);
  const deps = memoryDeps({
    git,
    hookToken: () => "secret-token",
    deliveries: options.deliveries ?? null,
    ...(options.publicUrl === undefined ? {} : { web: { publicUrl: options.publicUrl } }),
  });
  const app = createApp(deps);
  const client = (extra: Partial<ApiClientOptions> = {}) =>
    apiClient({ baseUrl: options.baseUrl ?? "http://quire.test", token: "secret-token", fetch: (url, init) => app.request(url, init), ...extra });
  return { deps, api: client(), client };
}

/** What the promise rejected with, which must be an ApiError. */
async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe("apiClient over the app's routes", () => {
  it("pushes, lists and shows runs in the server's shapes", async () => {
    const { api } = served();
    expect(await api.health()).toMatchObject({ ok: true });
    const pushed = await api.push({ ...pushEvent(REPO, "refs/heads/main", PIPELINE_SHA), refs: [
      { ref: "refs/heads/main", old_sha: "0".repeat(40), new_sha: PIPELINE_SHA },
      { ref: "refs/heads/docs", old_sha: "0".repeat(40), new_sha: PLAIN_SHA },
    ] });
    expect(pushed.runs).toHaveLength(1);
    expect(pushed.runs[0]).toMatchObject({ repo: REPO, number: 1, ref: "refs/heads/main", sha: PIPELINE_SHA, status: "pending" });
    expect(pushed.skipped).toEqual([{ ref: "refs/heads/docs", reason: expect.any(String) }]);
    const id = pushed.runs[0]!.run_id;

    const page = await api.listRuns({ repo: REPO, limit: 10, status: undefined });
    expect(page.runs.map((r) => r.run_id)).toEqual([id]);
    expect(page.next_cursor).toBeNull();
    expect((await api.listRuns({ repo: "other.git" })).runs).toEqual([]);

    const shown = await api.getRun(`${REPO}#1`);
    expect(shown).toMatchObject({ run_id: id, alias: "demo.git#1", status: "pending", jobs: [] });
  });

  it("cancels and retries, and turns a refusal into an ApiError with the server's code", async () => {
    const { api } = served();
    const [run] = (await api.push(pushEvent(REPO, "refs/heads/main", PIPELINE_SHA))).runs;
    const cancelled = await api.cancel(run!.run_id);
    expect(cancelled.stopping).toBe(false);
    expect(cancelled.run).toMatchObject({ run_id: run!.run_id, status: "failed", outcome: "cancelled" });

    const again = await refusal(api.cancel(run!.run_id));
    expect(again).toMatchObject({ name: "ApiError", code: "not_cancellable", status: 409, candidates: [] });
    expect(again.message).toBe(`run ${run!.run_id} is failed and not running here`);

    const retried = await api.retry("demo.git#1");
    expect(retried.run).toMatchObject({ number: 2, status: "pending", retry_of: run!.run_id });
  });

  it("names the candidates of a sha prefix two commits share, and a run that does not exist", async () => {
    const { api } = served();
    await api.push(pushEvent(REPO, "refs/heads/main", PIPELINE_SHA));
    await api.push(pushEvent(REPO, "refs/heads/other", TWIN_SHA));
    const ambiguous = await refusal(api.getRun(PIPELINE_SHA.slice(0, 10)));
    expect(ambiguous).toMatchObject({ code: "ambiguous_run_ref", status: 409 });
    expect([...ambiguous.candidates].sort()).toEqual(["demo.git#1", "demo.git#2"]);
    expect(await refusal(api.getRun("demo.git#9"))).toMatchObject({ code: "run_not_found", status: 404 });
    expect(await refusal(api.listRuns({ status: "sleeping" }))).toMatchObject({ status: 400 });
  });

  it("reads a log raw, from an offset, and refuses a log that is not there", async () => {
    const { api, deps } = served();
    const [run] = (await api.push(pushEvent(REPO, "refs/heads/main", PIPELINE_SHA))).runs;
    const lines = "2026-11-21T10:00:00Z stdout F one\n2026-11-21T10:00:01Z stderr F two\n";
    await deps.files.writeFile(REPO, run!.run_id, "jobs/build/sh-1.log", lines);
    expect(await api.logs("demo.git#1", "build", 1)).toBe(lines);
    const first = lines.indexOf("\n") + 1;
    expect(await api.logs(run!.run_id, "build", 1, first)).toBe(lines.slice(first));
    expect(await refusal(api.logs(run!.run_id, "build", 2))).toMatchObject({ code: "log_not_found", status: 404 });
    expect(await refusal(api.logs(run!.run_id, "no/such job", 1))).toMatchObject({ code: "invalid_job", status: 400 });
  });

  it("lists, shows and redelivers deliveries, and says when the server keeps no outbox", async () => {
    const record = deliveryRecord("d-1", { status: "failed", attempts: 3 });
    const deliveries: DeliveryLog = {
      list: () => [record],
      get: (id) => (id === record.id ? record : undefined),
      redeliver: async (id) => (id === record.id ? { kind: "queued", delivery: { ...record, status: "pending" } } : { kind: "not-found" }),
    };
    const { api } = served({ deliveries });
    expect((await api.listDeliveries({ status: "failed", limit: 5 })).deliveries.map((d) => d.id)).toEqual(["d-1"]);
    expect((await api.listDeliveries({ status: "delivered" })).deliveries).toEqual([]);
    expect(await api.getDelivery("d-1")).toMatchObject({ id: "d-1", kind: "webhook", attempts: 3 });
    expect(await api.redeliver("d-1")).toMatchObject({ id: "d-1", status: "pending" });
    expect(await refusal(api.redeliver("d-2"))).toMatchObject({ code: "delivery_not_found", status: 404 });
    expect(await refusal(served().api.listDeliveries())).toMatchObject({ code: "no_outbox", status: 404 });
  });

  it("sends the token, and without it the server's 401 arrives as an ApiError", async () => {
    const { api, client } = served();
    expect(await api.reconcile()).toMatchObject({ orphaned: [], requeued: [] });
    const anonymous = client({ token: "" });
    expect(await refusal(anonymous.reconcile())).toMatchObject({ code: "unauthorized", status: 401 });
    expect(await refusal(anonymous.push(pushEvent(REPO, "refs/heads/main", PIPELINE_SHA)))).toMatchObject({ status: 401 });
    expect((await anonymous.raw("POST", "reconcile")).status).toBe(401);
  });

  it("keeps a base URL's path prefix", async () => {
    const { api } = served({ baseUrl: "http://quire.test/ci", publicUrl: "http://quire.test/ci/" });
    const [run] = (await api.push(pushEvent(REPO, "refs/heads/main", PIPELINE_SHA))).runs;
    expect((await api.getRun(run!.run_id)).run_id).toBe(run!.run_id);
  });

  it("reports a server that does not answer, or answers without an error body", async () => {
    const down = apiClient({ baseUrl: "http://127.0.0.1:9", fetch: () => Promise.reject(new TypeError("fetch failed")) });
    const unreachable = await refusal(down.health());
    expect(unreachable).toMatchObject({ code: "unreachable", status: null, message: "server at http://127.0.0.1:9 unreachable: fetch failed" });
    expect(unreachable.cause).toBeInstanceOf(TypeError);
    const proxy = apiClient({ baseUrl: "http://quire.test", fetch: () => new Response("<html>bad gateway</html>", { status: 502 }) });
    expect(await refusal(proxy.getRun("demo.git#1"))).toMatchObject({ code: "http_502", status: 502, message: "HTTP 502" });
  });
});
