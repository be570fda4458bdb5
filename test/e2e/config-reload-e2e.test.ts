import { rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkClone } from "../support/git.ts";
import { quire, startServer, tempHome, type ServerProcess } from "../support/quire-process.ts";
import { runIdsFromPush, waitForRun } from "../support/runs-api.ts";

const PIPELINE = `import { job } from "quire/ci";
job("deploy", ["quire/push"], async ({ sh, secret }) => {
  await sh(["sh", "-c", 'test "$TOKEN" = "$WANT"'], { env: { TOKEN: await secret("deploy-token"), WANT: "second-value-42" } });
});
`;

describe("config.yml reloads while the server runs", () => {
  let home: string;
  let server: ServerProcess;
  let clone: WorkClone;
  let log = "";

  beforeAll(async () => {
    home = await tempHome();
    await writeFile(join(home, "config.yml"), `secrets:\n  deploy-token: "first-value-41"\n`);
    server = await startServer(home, [], { QUIRE_LOG_LEVEL: "info" });
    server.child.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString()));
    expect((await quire(["repo", "new", "demo.git", "--home", home])).exitCode).toBe(0);
    clone = await WorkClone.of(join(home, "repos", "demo.git"));
    await clone.commit({ ".quire/ci.ts": PIPELINE }, "pipeline");
  });

  afterAll(async () => {
    await server?.stop();
    await rm(home, { recursive: true, force: true });
    if (clone) await rm(dirname(clone.dir), { recursive: true, force: true });
  });

  async function pushRun(): Promise<string> {
    await clone.commit({ "n.txt": String(Math.random()) });
    const [id] = runIdsFromPush(await clone.push(["origin", "HEAD:refs/heads/main", "--force"]));
    if (!id) throw new Error("push created no run");
    return (await waitForRun(server, id)).outcome ?? "none";
  }

  const reloads = () => log.split("\n").filter((line) => line.includes('"msg":"config reloaded"')).length;

  it("uses the old secret before the edit", async () => {
    expect(await pushRun()).toBe("failed");
  });

  it("uses a secret edited into config.yml without a restart", async () => {
    const before = reloads();
    await writeFile(join(home, "config.yml"), `secrets:\n  deploy-token: "second-value-42"\n`);
    await expect.poll(reloads, { timeout: 10_000 }).toBeGreaterThan(before);
    expect(await pushRun()).toBe("succeeded");
  });

  it("keeps the old config when the new one is bad, and says why naming the key", async () => {
    await writeFile(join(home, "config.yml"), `secrets:\n  deploy-token: "abc"\n`);
    await expect.poll(() => log, { timeout: 10_000 }).toMatch(/config\.yml not reloaded; keeping the previous config/);
    expect(log).toMatch(/secrets\.deploy-token: is shorter than 6 characters/);
    expect(await pushRun()).toBe("succeeded");
  });

  it("reloads on SIGHUP, and SIGHUP does not stop the server", async () => {
    await writeFile(join(home, "config.yml"), `secrets:\n  deploy-token: "second-value-42"\nconcurrency: 2\n`);
    await expect.poll(reloads, { timeout: 10_000 }).toBeGreaterThan(0);
    const before = reloads();
    server.child.kill("SIGHUP");
    await expect.poll(reloads, { timeout: 10_000 }).toBe(before + 1);
    expect(log).toMatch(/"why":"SIGHUP".*"msg":"config reloaded"/);
    expect(await pushRun()).toBe("succeeded");
  });
});

describe("secrets shorter than 6 characters", () => {
  it("stop quire serve at load, naming the key, whether literal or from the environment", async () => {
    const home = await tempHome();
    await writeFile(join(home, "config.yml"), `secrets:\n  short: "abc"\n  fine: "long-enough"\n`);
    const literal = await quire(["serve", "--home", home, "--port", "0"]);
    expect(literal.exitCode).toBe(1);
    expect(literal.stderr).toMatch(/secrets\.short: is shorter than 6 characters/);
    await writeFile(join(home, "config.yml"), `secrets:\n  from-env: { env: QUIRE_TEST_SHORT }\n  fine: "long-enough"\n`);
    const fromEnv = await quire(["serve", "--home", home, "--port", "0"], { env: { QUIRE_TEST_SHORT: "xy" } });
    expect(fromEnv.exitCode).toBe(1);
    expect(fromEnv.stderr).toMatch(/secrets\.from-env: the value in environment variable QUIRE_TEST_SHORT is shorter than 6 characters/);
    expect(`${literal.stderr}${fromEnv.stderr}`).not.toMatch(/fine/);
    await rm(home, { recursive: true, force: true });
  });
});
