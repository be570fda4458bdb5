/**
 * A server answers /health without loading Node's fetch implementation (undici, some
 * 35-50 ms and 9 MB at every start; scripts/node-server-lazy.mjs): the first request that
 * needs it (here one whose headers are read) loads it, and is answered as before.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startServer, tempHome, type ServerProcess } from "../support/quire-process.ts";
import { tempDir } from "../support/temp-dir.ts";

const UNDICI = "NativeModule internal/deps/undici/undici";
const servers: ServerProcess[] = [];
// A failed assertion must not leave its server running.
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
});

/** Starts a server that writes the list of Node modules it loaded when it exits. */
async function serverReportingModules() {
  const dir = await tempDir("quire-modules-");
  const report = join(dir, "modules.json");
  const preload = join(dir, "report-modules.cjs");
  await writeFile(preload, `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(report)}, JSON.stringify(process.moduleLoadList)));\n`);
  const server = await startServer(await tempHome(), [], { NODE_OPTIONS: `--require ${preload}` });
  servers.push(server);
  const loaded = async (): Promise<string[]> => {
    await server.stop();
    return JSON.parse(await readFile(report, "utf8")) as string[];
  };
  return { server, loaded };
}

describe("the fetch classes at start", () => {
  it("are not loaded to answer /health or a 404", async () => {
    const { server, loaded } = await serverReportingModules();
    const health = await server.request("/health");
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true });
    const missing = await server.request("/no-such-route");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: "not_found" } });
    const modules = await loaded();
    expect(modules).toContain("NativeModule http");
    expect(modules).not.toContain(UNDICI);
  });

  it("load on the first request that reads headers, which is answered as before", async () => {
    const { server, loaded } = await serverReportingModules();
    expect((await server.request("/health")).status).toBe(200);
    const refused = await server.request("/reconcile", { method: "POST" });
    expect(refused.status).toBe(401);
    const reconciled = await server.request("/reconcile", { method: "POST", headers: { authorization: `Bearer ${server.token}` } });
    expect(reconciled.status).toBe(200);
    expect(await reconciled.json()).toBeTypeOf("object");
    expect(await loaded()).toContain(UNDICI);
  });
});
