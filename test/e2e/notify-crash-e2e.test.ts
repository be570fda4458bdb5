import { createHmac } from "node:crypto";
import { once } from "node:events";
import { rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { DeliveryView } from "../../functions/http/delivery-view.ts";
import { until } from "../support/until.ts";
import { quire, startServer, type ServerProcess } from "../support/quire-process.ts";
import { serveRepo, type ServedRepo } from "../support/served-repo.ts";

const SECRET = "webhook-secret-value-42";
const PIPELINE = 'import { job } from "quire/ci";\njob("test", ["quire/push"], async ({ sh }) => { await sh("true"); });\n';

interface Hit {
  id: string;
  event: string;
  signed: boolean;
  run: { run_id: string; status: string; outcome: string | null };
}

/** A webhook receiver on a free loopback port: answers 503 until `up`, then counts what it took. */
async function receiver() {
  const state = { up: false, refused: 0, taken: [] as Hit[] };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      if (!state.up) {
        state.refused++;
        response.writeHead(503).end("down for maintenance");
        return;
      }
      const body = Buffer.concat(chunks).toString("utf8");
      const expected = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
      const parsed = JSON.parse(body) as { run: Hit["run"] };
      state.taken.push({
        id: String(request.headers["x-quire-delivery"]),
        event: String(request.headers["x-quire-event"]),
        signed: request.headers["x-quire-signature-256"] === expected,
        run: parsed.run,
      });
      response.writeHead(204).end();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { state, url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function deliveries(server: ServerProcess): Promise<DeliveryView[]> {
  return (await server.api.listDeliveries({ limit: 1000 })).deliveries;
}

let served: ServedRepo | undefined;
let restarted: ServerProcess | undefined;
let hooks: Awaited<ReturnType<typeof receiver>> | undefined;
afterAll(async () => {
  await restarted?.stop();
  await served?.server.kill();
  await hooks?.close();
  if (served) {
    await rm(served.home, { recursive: true, force: true });
    await rm(dirname(served.clone.dir), { recursive: true, force: true });
  }
});

describe("webhooks survive kill -9 of the server", () => {
  it("every outstanding delivery arrives exactly once after a restart, and redelivery reuses the id", async () => {
    hooks = await receiver();
    const config = [
      `secrets: { hook-secret: ${SECRET} }`,
      `webhooks: [{ url: "${hooks.url}", secret: hook-secret }]`,
      "outbox: { retry_base_seconds: 0.2, retry_max_seconds: 0.5, timeout_seconds: 5 }",
    ].join("\n");
    served = await serveRepo({ config, homePrefix: "quire-notify-" });
    const { clone, server } = served;
    await clone.commit({ ".quire/ci.ts": PIPELINE, ".quire/config.yml": "mirrors:\n  - url: not-a-url\n    token: x\n" });
    const pushed = await clone.push(["origin", "main", "main:refs/heads/second"]);
    // A bad .quire/config.yml is reported to the pusher and fails nothing.
    expect(pushed).toMatch(/quire: warning: \.quire\/config\.yml: mirrors\.0\.url: must be an http\(s\) URL/);

    // Two runs × created, started, finished, each refused at least once by the receiver.
    const outstanding = await until("six refused deliveries", async () => {
      const listed = await deliveries(server);
      return listed.length === 6 && listed.every((d) => d.status === "pending" && d.attempts >= 1) ? listed : undefined;
    });
    expect(outstanding.every((d) => d.last?.status === 503 && d.last.message.includes("down for maintenance"))).toBe(true);
    await server.kill();
    expect(hooks.state.taken).toEqual([]);

    hooks.state.up = true;
    restarted = await startServer(served.home);
    const settled = await until("every delivery delivered", async () => {
      const listed = await deliveries(restarted!);
      return listed.length === 6 && listed.every((d) => d.status === "delivered") ? listed : undefined;
    });
    // Give a duplicate time to show up if there were going to be one.
    await new Promise((r) => setTimeout(r, 1_500));
    const ids = hooks.state.taken.map((t) => t.id);
    expect(ids.sort()).toEqual(settled.map((d) => d.id).sort());
    expect(hooks.state.taken.every((t) => t.signed)).toBe(true);
    const runs = new Set(hooks.state.taken.map((t) => t.run.run_id));
    expect(runs.size).toBe(2);
    for (const run of runs) {
      const events = hooks.state.taken.filter((t) => t.run.run_id === run).map((t) => t.event).sort();
      expect(events).toEqual(["run.created", "run.finished", "run.started"]);
      expect(hooks.state.taken.find((t) => t.run.run_id === run && t.event === "run.finished")?.run).toMatchObject({ status: "complete", outcome: "succeeded" });
    }

    const listed = await quire(["deliveries", "list", "--home", served.home, "--status", "delivered"]);
    expect(listed.exitCode).toBe(0);
    expect(listed.stdout.split("\n").filter((l) => l.includes("webhook run."))).toHaveLength(6);
    const again = settled[0]!.id;
    const redelivered = await quire(["deliveries", "redeliver", again, "--home", served.home]);
    expect(redelivered.stdout).toContain(`queued ${again} again`);
    await until("the redelivery", async () => (hooks!.state.taken.filter((t) => t.id === again).length === 2 ? true : undefined));
    expect(hooks.state.taken).toHaveLength(7);
    const missing = await quire(["deliveries", "redeliver", "00000000-0000-5000-8000-000000000000", "--home", served.home]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain("no delivery 00000000-0000-5000-8000-000000000000");
  }, 180_000);
});
