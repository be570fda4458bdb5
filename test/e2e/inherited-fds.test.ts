/**
 * A descriptor the server inherited without close-on-exec (from a shell's `3<>file`, a
 * supervisor, a test harness) would pass through bwrap into every sandbox: a pipeline could
 * read or write whatever it is. The server closes them at start.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { openSync, closeSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "../../functions/http/api-client.ts";
import { WorkClone } from "../support/git.ts";
import { pushRun } from "../support/hostile.ts";
import { QUIRE_BIN, quire, tempHome } from "../support/quire-process.ts";
import { waitForRun } from "../support/runs-api.ts";

const SECRET = "inherited-descriptor-secret-4b1e";
let home: string;
let url: string;
let clone: WorkClone;
let server: ReturnType<typeof spawn>;
let secretFile: string;

beforeAll(async () => {
  home = await tempHome("quire-inherited-fds-");
  secretFile = join(dirname(home), `${home.split("/").pop()}-secret`);
  await writeFile(secretFile, `${SECRET}\n`, { mode: 0o600 });
  const fd = openSync(secretFile, "r+");
  // Handed over without close-on-exec, as a shell would: Node marks fd 3 close-on-exec at
  // start, fd 45 it does not.
  const stdio: ("ignore" | "pipe" | number)[] = ["ignore", "pipe", "pipe", fd, ...new Array<"ignore">(41).fill("ignore"), fd];
  server = spawn(process.execPath, [QUIRE_BIN, "serve", "--home", home, "--port", "0"], { env: { ...process.env, QUIRE_LOG_LEVEL: "warn" }, stdio });
  closeSync(fd);
  url = await new Promise<string>((resolve, reject) => {
    let out = "";
    server.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /at (http:\/\/\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    server.on("exit", () => reject(new Error("quire serve exited early")));
  });
  const made = await quire(["repo", "new", "demo.git", "--home", home]);
  expect(made.exitCode).toBe(0);
  clone = await WorkClone.of(join(home, "repos", "demo.git"));
}, 90_000);

afterAll(async () => {
  server.kill("SIGKILL");
  if (server.exitCode === null && server.signalCode === null) await once(server, "exit");
  await rm(home, { recursive: true, force: true });
  await rm(secretFile, { force: true });
  await rm(dirname(clone.dir), { recursive: true, force: true });
});

describe("descriptors the server inherited", () => {
  it("reach neither the pipeline child nor the host run's commands", async () => {
    const pipeline = `import { job } from "quire/ci";
import { readSync } from "node:fs";
job("fds", ["quire/push"], async ({ sh }) => {
  const read: string[] = [];
  for (let fd = 3; fd < 300; fd++) {
    try {
      const buf = Buffer.alloc(64);
      const n = readSync(fd, buf, 0, 64, 0);
      read.push(fd + ":" + buf.subarray(0, n).toString());
    } catch {}
  }
  const listed = await sh(["sh", "-c", "ls -l /proc/$$/fd/; cat /proc/$$/fd/45 2>&1; true"]);
  return { read: read.join("|"), listed: listed.stdout + listed.stderr };
});
`;
    const id = await pushRun(clone, "main", pipeline);
    const token = (await readFile(join(home, "hook.token"), "utf8")).trim();
    const run = await waitForRun({ api: apiClient({ baseUrl: url, token }) }, id);
    const view = (await (await fetch(new URL(`/runs/${id}`, url), { headers: { authorization: `Bearer ${token}` } })).json()) as { jobs: { id: string; receipt?: { outputs?: Record<string, string> } }[] };
    const outputs = view.jobs.find((job) => job.id === "fds")?.receipt?.outputs ?? {};
    expect(run.status).toBe("complete");
    expect(outputs.listed).toMatch(/slots\/1\.out/);
    expect(outputs.listed).not.toContain(secretFile);
    expect(outputs.listed).not.toContain(SECRET);
    expect(outputs.read ?? "").not.toContain(SECRET);
  }, 120_000);
});
