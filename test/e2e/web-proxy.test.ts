import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkClone } from "../support/git.ts";
import { freePort, startNginx, type Nginx } from "../support/nginx.ts";
import { quire, startServer, tempHome, type ServerProcess } from "../support/quire-process.ts";
import { runIdsFromPush } from "../support/runs-api.ts";
import { readSse } from "../support/sse.ts";

let home: string;
let server: ServerProcess;
let clone: WorkClone;
let nginx: Nginx;
let publicUrl: string;
let stderr = "";

beforeAll(async () => {
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}/ci/`;
  home = await tempHome();
  // nginx's read timeout is 3 s here; the heartbeat (1 s) must keep a silent stream open past it.
  await writeFile(join(home, "config.yml"), "sse_heartbeat_seconds: 1\nrun_timeout_minutes: 1\n");
  server = await startServer(home, ["--public-url", publicUrl], { QUIRE_LOG_LEVEL: "info" });
  server.child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  nginx = await startNginx(Number(new URL(server.url).port), [{ port, prefix: "pass" }], { readTimeoutS: 3 });
  const made = await quire(["repo", "new", "demo.git", "--home", home]);
  if (made.exitCode !== 0) throw new Error(made.stderr);
  clone = await WorkClone.of(join(home, "repos", "demo.git"));
});

afterAll(async () => {
  await nginx?.stop();
  await server?.stop();
  await rm(home, { recursive: true, force: true });
  if (clone) await rm(join(clone.dir, ".."), { recursive: true, force: true });
});

const viaProxy = (path: string, init?: RequestInit) => fetch(new URL(path, publicUrl), init);

describe("behind nginx under /ci/ with --public-url", () => {
  it("writes the public URL for hooks, and a push through the hook gets a run", async () => {
    expect((await readFile(join(home, "server.url"), "utf8")).trim()).toBe(publicUrl);
    await clone.commit({ ".quire/ci.ts": `import { job } from "quire/ci";\njob("hello", ["quire/push"], async ({ sh }) => { await sh("echo hi"); });\n` });
    const output = await clone.push();
    const [id] = runIdsFromPush(output);
    expect(output).toMatch(/quire: run demo\.git#1 queued for refs\/heads\/main/);
    const shown = await viaProxy(`runs/${id}`);
    expect(shown.status).toBe(200);
    // The CLI goes the same way.
    const listed = await quire(["runs", "show", String(id), "--home", home]);
    expect(listed.stdout).toContain("demo.git#1");
  });

  it("keeps a live stream open through a job silent longer than proxy_read_timeout, every line once", async () => {
    await clone.commit({
      ".quire/ci.ts": `import { job } from "quire/ci";\njob("quiet", ["quire/push"], async ({ sh }) => { await sh("echo before; sleep 6; echo after"); });\n`,
    });
    const [id] = runIdsFromPush(await clone.push());
    const response = await viaProxy(`runs/${id}/events`);
    expect(response.status).toBe(200);
    const blocks = await readSse(response, (b) => b.event === "end");
    const lines = blocks.filter((b) => b.event === "log").map((b) => (JSON.parse(b.data ?? "{}") as { line: string }).line.replace(/^\S+ \S+ F /, ""));
    expect(lines).toEqual(["before", "after"]);
    expect(blocks.at(-1)?.event).toBe("end");
    expect(blocks.filter((b) => b.comments.includes("keep-alive")).length).toBeGreaterThanOrEqual(3);
  });

  it("redirects the bare prefix and logs requests without tokens; forwarding headers from an untrusted peer count for nothing", async () => {
    // nginx answers /ci itself; a proxy that passes it on gets the same from quire.
    const bare = await server.request("/ci?limit=2", { redirect: "manual" });
    expect(bare.status).toBe(308);
    expect(bare.headers.get("location")).toBe("/ci/?limit=2");
    const before = stderr.length;
    const denied = await viaProxy("runs/demo.git%231/retry?token=nope", {
      method: "POST",
      headers: { "x-forwarded-user": "mallory", authorization: "Bearer not-the-token-but-secret-looking" },
    });
    expect(denied.status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    const lines = stderr
      .slice(before)
      .split("\n")
      .filter((l) => l.includes('"msg":"request"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({ method: "POST", path: "/ci/runs/demo.git%231/retry", status: 401, client: "127.0.0.1" }),
    );
    expect(typeof lines[0]?.duration_ms).toBe("number");
    expect(stderr).not.toContain("not-the-token-but-secret-looking");
    expect(stderr).not.toContain("token=nope");
    expect(stderr).not.toContain(server.token);
  });
});
