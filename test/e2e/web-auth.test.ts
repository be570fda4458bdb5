import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkClone } from "../support/git.ts";
import type { ServerProcess } from "../support/quire-process.ts";
import { runIdsFromPush, waitForRun } from "../support/runs-api.ts";
import { serveRepo } from "../support/served-repo.ts";

let home: string;
let server: ServerProcess;
let clone: WorkClone;
let runId: string;

beforeAll(async () => {
  ({ home, server, clone } = await serveRepo({
    config: "trust_proxy: [127.0.0.1, ::1]\nauth: { read: token, proxy_user_header: X-Forwarded-User }\n",
  }));
  await clone.commit({ ".quire/ci.ts": `import { job } from "quire/ci";\njob("hello", ["quire/push"], async ({ sh }) => { await sh("echo hi"); });\n` });
  const [id] = runIdsFromPush(await clone.push());
  if (!id) throw new Error("no run");
  runId = id;
  await waitForRun(server, runId);
});

afterAll(async () => {
  await server?.stop();
  await rm(home, { recursive: true, force: true });
  if (clone) await rm(join(clone.dir, ".."), { recursive: true, force: true });
});


/** state.yml of a run once it has ended (a run on the move has no fixed directory to read). */
const stateOf = async (id: string) => {
  const done = await waitForRun(server, id);
  return readFile(join(home, "runs", "demo.git", done.status, id, "state.yml"), "utf8");
};

describe("auth.read: token", () => {
  it("asks for the token on pages and the API, and takes it from a header or the page's cookie", async () => {
    expect((await server.request("/runs")).status).toBe(401);
    expect((await server.request(`/runs/${runId}/events`)).status).toBe(401);
    const page = await server.request("/");
    expect(page.status).toBe(401);
    expect(await page.text()).toContain("Token needed");
    expect((await server.request("/health")).status).toBe(200);
    expect((await server.request("/ui/app.js")).status).toBe(200);
    expect((await server.request("/runs", { headers: { "x-quire-token": server.token } })).status).toBe(200);
    expect((await server.request("/", { headers: { cookie: `quire_token=${server.token}` } })).status).toBe(200);
    expect((await server.request("/", { headers: { cookie: "quire_token=wrong-token-value" } })).status).toBe(401);
  });
});

describe("writes from a browser", () => {
  it("a cookie alone never cancels or retries (no CSRF); the token header does, and says so in state.yml", async () => {
    const forged = await server.request(`/runs/${runId}/retry`, { method: "POST", headers: { cookie: `quire_token=${server.token}` } });
    expect(forged.status).toBe(401);
    const retried = await server.request(`/runs/${runId}/retry`, { method: "POST", headers: { "x-quire-token": server.token } });
    expect(retried.status).toBe(202);
    const { run } = (await retried.json()) as { run: { run_id: string; retried_by: string } };
    expect(run.retried_by).toBe("the admin token");
    expect(await stateOf(run.run_id)).toMatch(/^retried_by: the admin token$/m);
  });

  it("a user named by a trusted proxy may retry and cancel, and is recorded", async () => {
    // What a cross-site form post through the proxy looks like: the proxy adds the user, nothing else.
    const forged = await server.request(`/runs/${runId}/retry`, { method: "POST", headers: { "x-forwarded-user": "alice" } });
    expect(forged.status).toBe(401);
    expect(await forged.text()).toMatch(/x-quire-request/);
    const retried = await server.request(`/runs/${runId}/retry`, { method: "POST", headers: { "x-forwarded-user": "alice", "x-quire-request": "page" } });
    expect(retried.status).toBe(202);
    const { run } = (await retried.json()) as { run: { run_id: string } };
    expect(await stateOf(run.run_id)).toMatch(/^retried_by: alice$/m);
    await clone.commit({ ".quire/ci.ts": `import { job } from "quire/ci";\njob("wait", ["quire/push"], async ({ sh }) => { await sh("sleep 30"); });\n` });
    const [slow] = runIdsFromPush(await clone.push(["origin", "HEAD:refs/heads/slow"]));
    await waitForRun(server, String(slow), (r) => r.status === "active");
    const cancelled = await server.request(`/runs/${slow}/cancel`, { method: "POST", headers: { "x-forwarded-user": "bob", "x-quire-request": "page" } });
    expect(cancelled.status).toBe(202);
    expect(await stateOf(String(slow))).toMatch(/outcome: cancelled[\s\S]*cancelled by bob|cancelled by bob[\s\S]*outcome: cancelled/);
  });
});
