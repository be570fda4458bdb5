import { readdir, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { join, relative } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../adapters/clock/system-clock.ts";
import { GitCli } from "../../adapters/git/git-cli.ts";
import { uuidIds } from "../../adapters/ids/uuid-ids.ts";
import { processLiveness } from "../../adapters/liveness/process-liveness.ts";
import { FsRunStore } from "../../adapters/storage/fs-run-store.ts";
import type { Logger } from "../../core/ports/logger.ts";
import { idResolver } from "../../core/index/id-resolver.ts";
import { memoryDeps } from "../support/memory-deps.ts";
import { createApp } from "../../functions/app.ts";
import { gitEnv, WorkClone } from "../support/git.ts";
import { startServer, tempHome, type ServerProcess } from "../support/quire-process.ts";

const TOKEN = "s3cret-token";
const ZERO = "0".repeat(40);

/** Every path under `dir`, hidden ones included: what "writes nothing" is checked against. */
async function fileList(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.map((e) => relative(dir, join(e.parentPath, e.name))).sort();
}

let home: string;
let pipelineSha: string;
let plainSha: string;

/** A home with demo.git holding a commit without a pipeline and one with it. */
async function makeHome(): Promise<{ home: string; plainSha: string; pipelineSha: string }> {
  const root = await tempHome();
  await writeFile(join(root, "hook.token"), TOKEN + "\n");
  const gitDir = join(root, "repos", "demo.git");
  await execa("git", ["init", "--quiet", "--bare", "--initial-branch=main", gitDir], { env: gitEnv });
  const clone = await WorkClone.of(gitDir);
  const plain = await clone.commit({ "README.md": "hi" });
  const pipeline = await clone.commit({ ".quire/ci.ts": "export {};" });
  await clone.push();
  return { home: root, plainSha: plain, pipelineSha: pipeline };
}
const errors: unknown[] = [];
const logger: Logger = { info: () => undefined, warn: () => undefined, error: (obj) => void errors.push(obj) };
const git = { adapter: undefined as GitCli | undefined };

beforeAll(async () => {
  ({ home, plainSha, pipelineSha } = await makeHome());
});

function app(bodyLimitBytes?: number) {
  git.adapter ??= new GitCli(join(home, "repos"));
  const store = new FsRunStore(join(home, "runs"));
  return createApp(memoryDeps({
    store,
    git: git.adapter,
    clock: systemClock,
    ids: uuidIds,
    liveness: processLiveness(),
    logger,
    resolver: idResolver(store),
    hookToken: () => TOKEN,
    ...(bodyLimitBytes === undefined ? {} : { bodyLimitBytes }),
  }));
}

afterAll(() => git.adapter?.close());

const event = (over: Record<string, unknown> = {}, ref: Record<string, unknown> = {}) => ({
  type: "push",
  repo: "demo.git",
  pushed_at: "2026-11-21T10:00:00Z",
  refs: [{ ref: "refs/heads/main", old_sha: ZERO, new_sha: pipelineSha, ...ref }],
  ...over,
});

interface Case {
  name: string;
  status: number;
  code: string;
  body?: () => string;
  headers?: Record<string, string>;
}

const json = (make: () => unknown) => () => JSON.stringify(make());
const auth = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };

const CASES: Case[] = [
  { name: "no token", status: 401, code: "unauthorized", headers: { "content-type": "application/json" } },
  { name: "wrong token", status: 401, code: "unauthorized", headers: { ...auth, authorization: "Bearer nope" } },
  { name: "token as basic auth", status: 401, code: "unauthorized", headers: { ...auth, authorization: `Basic ${TOKEN}` } },
  { name: "empty bearer", status: 401, code: "unauthorized", headers: { ...auth, authorization: "Bearer " } },
  { name: "text/plain", status: 415, code: "unsupported_media_type", headers: { ...auth, "content-type": "text/plain" } },
  { name: "form encoded", status: 415, code: "unsupported_media_type", headers: { ...auth, "content-type": "application/x-www-form-urlencoded" } },
  { name: "json-ish suffix", status: 415, code: "unsupported_media_type", headers: { ...auth, "content-type": "application/jsonx" } },
  { name: "not JSON", status: 400, code: "invalid_json", body: () => "{type: push" },
  { name: "empty body", status: 400, code: "invalid_json", body: () => "" },
  { name: "JSON null", status: 400, code: "invalid_event", body: json(() => null) },
  { name: "JSON array", status: 400, code: "invalid_event", body: json(() => [event()]) },
  { name: "missing type", status: 400, code: "invalid_event", body: json(() => event({ type: undefined })) },
  { name: "wrong type", status: 400, code: "invalid_event", body: json(() => event({ type: "pull" })) },
  { name: "missing repo", status: 400, code: "invalid_event", body: json(() => event({ repo: undefined })) },
  { name: "repo as number", status: 400, code: "invalid_event", body: json(() => event({ repo: 12 })) },
  { name: "missing pushed_at", status: 400, code: "invalid_event", body: json(() => event({ pushed_at: undefined })) },
  { name: "pushed_at not a time", status: 400, code: "invalid_event", body: json(() => event({ pushed_at: "soon" })) },
  { name: "missing refs", status: 400, code: "invalid_event", body: json(() => event({ refs: undefined })) },
  { name: "no refs", status: 400, code: "invalid_event", body: json(() => event({ refs: [] })) },
  { name: "refs as string", status: 400, code: "invalid_event", body: json(() => event({ refs: "refs/heads/main" })) },
  { name: "missing new_sha", status: 400, code: "invalid_event", body: json(() => event({}, { new_sha: undefined })) },
  { name: "sha as number", status: 400, code: "invalid_event", body: json(() => event({}, { new_sha: 1234 })) },
  { name: "short sha", status: 400, code: "invalid_event", body: json(() => event({}, { new_sha: "abc1234" })) },
  { name: "non-hex sha", status: 400, code: "invalid_event", body: json(() => event({}, { old_sha: "z".repeat(40) })) },
  { name: "revision as sha", status: 400, code: "invalid_event", body: json(() => event({}, { new_sha: "HEAD" })) },
  { name: "ref outside refs/", status: 400, code: "invalid_event", body: json(() => event({}, { ref: "../../HEAD" })) },
  ...["../x.git", "a/b/c.git", "foo", "/abs.git", "..%2fx.git", "%2e%2e/x.git", "..\\x.git", "a\\b.git", "x\u0000.git", "", ".git", "group/../demo.git"].map(
    (repo): Case => ({ name: `repo ${JSON.stringify(repo)}`, status: 400, code: "invalid_repo", body: json(() => event({ repo })) }),
  ),
  { name: "unknown repo", status: 404, code: "unknown_repo", body: json(() => event({ repo: "other.git" })) },
  { name: "unknown grouped repo", status: 404, code: "unknown_repo", body: json(() => event({ repo: "team/demo.git" })) },
  { name: "huge body", status: 413, code: "body_too_large", body: () => JSON.stringify(event({ padding: "x".repeat(1_100_000) })) },
];

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
  expect(body.error?.code).toBe(code);
  expect(typeof body.error?.message).toBe("string");
  expect(String(body.error?.message).length).toBeGreaterThan(0);
}

describe("POST /events/push with bad input, through createApp", () => {
  it.each(CASES)("$name → $status $code, and writes nothing", async ({ status, code, body, headers }) => {
    const before = await fileList(home);
    const response = await app().request("/events/push", {
      method: "POST",
      headers: headers ?? auth,
      body: (body ?? json(() => event()))(),
    });
    await expectError(response, status, code);
    expect(await fileList(home)).toEqual(before);
    expect(errors).toEqual([]);
  });

  it("accepts a push to a commit without a pipeline and still writes nothing", async () => {
    const before = await fileList(home);
    const response = await app().request("/events/push", {
      method: "POST",
      headers: auth,
      body: JSON.stringify(event({}, { new_sha: plainSha })),
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ runs: [], skipped: [{ ref: "refs/heads/main", reason: "no-pipeline" }], already: [] });
    expect(await fileList(home)).toEqual(before);
  });

  it("honours a smaller configured body limit", async () => {
    const response = await app(512).request("/events/push", {
      method: "POST",
      headers: auth,
      body: JSON.stringify(event({ padding: "x".repeat(600) })),
    });
    await expectError(response, 413, "body_too_large");
  });

  it("answers unknown routes and methods with a JSON 404", async () => {
    await expectError(await app().request("/events/pull", { method: "POST", headers: auth, body: "{}" }), 404, "not_found");
    await expectError(await app().request("/events/push", { method: "GET", headers: auth }), 404, "not_found");
  });

  // The control: the same app and home do take a good event, so the refusals above are not an accident of setup.
  it("creates a run for a good event", async () => {
    const response = await app().request("/events/push", { method: "POST", headers: auth, body: JSON.stringify(event()) });
    expect(response.status).toBe(202);
    const body = (await response.json()) as { runs: { repo: string; number: number; sha: string; status: string }[] };
    expect(body.runs).toEqual([expect.objectContaining({ repo: "demo.git", number: 1, sha: pipelineSha, status: "pending" })]);
  });
});

describe("POST /events/push with bad input, through the real server", () => {
  // A home of its own, with no run in it: the server's runner has nothing to do while files are compared.
  let server: ServerProcess;
  let serverHome: string;
  beforeAll(async () => {
    ({ home: serverHome } = await makeHome());
    server = await startServer(serverHome);
  });
  afterAll(async () => server?.stop());

  const post = (body: string, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }) =>
    server.request("/events/push", { method: "POST", headers, body });

  it.each<[string, number, string, () => Promise<Response>]>([
    ["no token", 401, "unauthorized", () => post(JSON.stringify(event()), { "content-type": "application/json" })],
    ["wrong content type", 415, "unsupported_media_type", () => post(JSON.stringify(event()), { authorization: `Bearer ${TOKEN}`, "content-type": "text/plain" })],
    ["hostile repo", 400, "invalid_repo", () => post(JSON.stringify(event({ repo: "../../x.git" })))],
    ["encoded traversal", 400, "invalid_repo", () => post(JSON.stringify(event({ repo: "..%2f..%2fx.git" })))],
    ["short sha", 400, "invalid_event", () => post(JSON.stringify(event({}, { new_sha: "abc" })))],
    ["unknown repo", 404, "unknown_repo", () => post(JSON.stringify(event({ repo: "nope.git" })))],
    ["broken JSON", 400, "invalid_json", () => post("{")],
    ["a 3 MB body", 413, "body_too_large", () => post("x".repeat(3 * 1024 * 1024))],
  ])("%s → %s %s, and writes nothing", async (_, status, code, send) => {
    const before = await fileList(serverHome);
    await expectError(await send(), status, code);
    expect(await fileList(serverHome)).toEqual(before);
  });

  it("refuses a streamed body without a length once it passes the limit", async () => {
    const before = await fileList(serverHome);
    // node:http, not fetch: the server answers 413 and hangs up mid-upload, and fetch reports that as a socket error.
    const answer = await new Promise<{ status: number; body: string; type: string }>((resolve, reject) => {
      const request = httpRequest(new URL("/events/push", server.url), {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", "transfer-encoding": "chunked" },
      });
      request.on("response", (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (body += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body, type: String(response.headers["content-type"]) }));
      });
      request.on("error", (error: NodeJS.ErrnoException) => {
        if (error.code !== "EPIPE" && error.code !== "ECONNRESET") reject(error);
      });
      const chunk = "x".repeat(64 * 1024);
      let sent = 0;
      const pump = () => {
        while (sent < 40) {
          sent += 1;
          if (!request.write(chunk)) return void request.once("drain", pump);
        }
        request.end();
      };
      pump();
    });
    expect(answer.status).toBe(413);
    expect(answer.type).toMatch(/^application\/json/);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: "body_too_large" } });
    expect(await fileList(serverHome)).toEqual(before);
  });
});
