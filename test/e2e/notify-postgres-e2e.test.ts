import { createHmac } from "node:crypto";
import { once } from "node:events";
import { rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { until } from "../support/until.ts";
import { PgDb } from "../../adapters/postgres/pg-db.ts";
import { usePostgres } from "../support/pg-suite.ts";
import { startServer, tempHome, type ServerProcess } from "../support/quire-process.ts";
import { startRunner, type RunnerProcess } from "../support/runner-process.ts";
import { runIdsFromPush, waitForRun } from "../support/runs-api.ts";
import { serveRepo, type ServedRepo } from "../support/served-repo.ts";

const SECRET = "pg-webhook-secret-31f0";
const FORGE_TOKEN = "pg-forge-token-88aa21";
const pg = usePostgres();

interface Hit {
  id: string;
  event: string;
  signed: boolean;
  run_id: string;
}

/** One loopback server playing a webhook receiver (/hook) and a Gitea status API (/api/v1/…). */
async function receiver() {
  const state = { hooks: [] as Hit[], statuses: [] as { path: string; auth: string; state: string; target_url?: string }[] };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      if (request.url === "/hook") {
        const parsed = JSON.parse(body) as { run: { run_id: string } };
        state.hooks.push({
          id: String(request.headers["x-quire-delivery"]),
          event: String(request.headers["x-quire-event"]),
          signed: request.headers["x-quire-signature-256"] === `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
          run_id: parsed.run.run_id,
        });
        response.writeHead(204).end();
        return;
      }
      const parsed = JSON.parse(body) as { state: string; target_url?: string };
      state.statuses.push({ path: request.url ?? "", auth: String(request.headers.authorization), ...parsed });
      response.writeHead(201, { "content-type": "application/json" }).end("{}");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { state, base, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
});

describe("notifications when quire serves on PostgreSQL", () => {
  it("a runner on another home runs it; the server posts webhooks and statuses, and reports a finish it missed while down", async () => {
    const hooks = await receiver();
    cleanup.push(hooks.close);
    const url = await pg.server().database("notify");
    const config = [
      `store: { kind: postgres, url: "${url}" }`,
      `secrets: { hook-secret: ${SECRET}, forge-token: ${FORGE_TOKEN} }`,
      `webhooks: [{ url: "${hooks.base}/hook", secret: hook-secret }]`,
      `token_hosts: { forge-token: ["${new URL(hooks.base).host}"] }`,
      "outbox: { retry_base_seconds: 0.2, retry_max_seconds: 0.5, timeout_seconds: 5 }",
    ].join("\n");
    const served: ServedRepo = await serveRepo({ config, serveArgs: ["--no-runner"], homePrefix: "quire-notify-pg-" });
    let server: ServerProcess = served.server;
    cleanup.push(() => server.stop(), () => rm(served.home, { recursive: true, force: true }), () => rm(dirname(served.clone.dir), { recursive: true, force: true }));
    // The runner has its own home: it knows the database and where to fetch, not the server's secrets.
    const runnerHome = await tempHome("quire-notify-runner-");
    await writeFile(join(runnerHome, "config.yml"), `store: { kind: postgres, url: "${url}" }\nsource: { clone_url: "file://${served.home}/repos/{repo}" }\n`);
    const runner: RunnerProcess = await startRunner(runnerHome);
    cleanup.push(() => runner.stop(), () => rm(runnerHome, { recursive: true, force: true }));

    const settings = `status:\n  - forge: gitea\n    api: ${hooks.base}/api/v1\n    repo: me/demo\n    token: forge-token\n`;
    const quick = 'import { job } from "quire/ci";\njob("test", ["quire/push"], async ({ sh }) => { await sh("true"); });\n';
    const sha1 = await served.clone.commit({ ".quire/ci.ts": quick, ".quire/config.yml": settings });
    const pushed = await served.clone.push(["origin", "main"]);
    const [first] = runIdsFromPush(pushed);
    expect(first, pushed).toBeDefined();
    expect((await waitForRun(server, first!)).outcome).toBe("succeeded");
    await until("three webhooks for the first run", () => (hooks.state.hooks.filter((h) => h.run_id === first).length === 3 ? true : undefined));
    await until("the success status", () => (hooks.state.statuses.some((s) => s.state === "success") ? true : undefined));
    const forFirst = hooks.state.hooks.filter((h) => h.run_id === first);
    expect(forFirst.map((h) => h.event).sort()).toEqual(["run.created", "run.finished", "run.started"]);
    expect(forFirst.every((h) => h.signed)).toBe(true);
    const last = hooks.state.statuses.at(-1)!;
    expect(last).toMatchObject({ path: `/api/v1/repos/me/demo/statuses/${sha1}`, auth: `token ${FORGE_TOKEN}`, state: "success" });

    // The server dies while the runner still works; the run finishes with nobody listening.
    const slow = 'import { job } from "quire/ci";\njob("test", ["quire/push"], async ({ sh }) => { await sh("sleep 3"); });\n';
    const sha2 = await served.clone.commit({ ".quire/ci.ts": slow });
    const [second] = runIdsFromPush(await served.clone.push(["origin", "main"]));
    await waitForRun(server, second!, (run) => run.status === "active");
    await server.kill();
    const finishedWhileDown = await until("the run to finish in the database", async () => {
      const db = new PgDb(url, { max: 1 });
      try {
        const { rows } = await db.query<{ status: string }>("SELECT status FROM runs WHERE run_id = $1", [second]);
        return rows[0]?.status === "complete" ? true : undefined;
      } finally {
        await db.close();
      }
    });
    expect(finishedWhileDown).toBe(true);
    const heardBefore = hooks.state.hooks.filter((h) => h.run_id === second).map((h) => h.event);
    expect(heardBefore).not.toContain("run.finished");

    server = await startServer(served.home, ["--no-runner"]);
    await until("run.finished of the run that ended while the server was down", () =>
      hooks.state.hooks.some((h) => h.run_id === second && h.event === "run.finished") ? true : undefined,
    );
    // Let a duplicate show up if there were going to be one.
    await new Promise((r) => setTimeout(r, 1_500));
    // One delivery id per event; an attempt the kill interrupted may arrive twice under its id.
    const forSecond = new Map(hooks.state.hooks.filter((h) => h.run_id === second).map((h) => [h.id, h.event]));
    expect([...forSecond.values()].sort()).toEqual(["run.created", "run.finished", "run.started"]);
    expect(hooks.state.statuses.at(-1)).toMatchObject({ path: `/api/v1/repos/me/demo/statuses/${sha2}`, state: "success" });

    const { deliveries } = await server.api.listDeliveries({ limit: 1000 });
    expect(deliveries.filter((d) => d.kind === "webhook" && d.status === "delivered")).toHaveLength(6);
  }, 180_000);
});
