/**
 * Issue 8 through real pushes to a real server (host executor): each case is an attack or a
 * misuse from a pusher, and each asserts it had no effect — the run ends failed or errored,
 * no raw secret anywhere under the home or in any API response, the server still serves.
 * The docker items are in hostile-pipelines-docker.test.ts.
 */
import { readdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkClone } from "../support/git.ts";
import { apiTexts, filesContaining, pushRun } from "../support/hostile.ts";
import { startServer, type ServerProcess } from "../support/quire-process.ts";
import { postPush, postWithToken, waitForRun } from "../support/runs-api.ts";
import { serveRepo } from "../support/served-repo.ts";
import { tempDir } from "../support/temp-dir.ts";

const SECRET = `s3cret-${Math.random().toString(36).slice(2)}-value`;
let secretDir: string;
let home: string;
let server: ServerProcess;
let clone: WorkClone;

beforeAll(async () => {
  // The secret lives outside the home, so any copy of it under the home is a leak.
  secretDir = await tempDir("quire-hostile-secret-");
  await writeFile(join(secretDir, "token"), SECRET);
  ({ home, server, clone } = await serveRepo({ config: `secrets:\n  token: { file: ${join(secretDir, "token")} }\nrun_timeout_minutes: 2\n` }));
});

afterAll(async () => {
  await server?.stop();
  await rm(secretDir, { recursive: true, force: true });
  if (home) await rm(home, { recursive: true, force: true });
  if (clone) await rm(dirname(clone.dir), { recursive: true, force: true });
});

/** The checks every case ends with. */
async function noEffect(runId: string): Promise<void> {
  expect(await filesContaining(home, SECRET)).toEqual([]);
  expect(await apiTexts(server, runId)).not.toContain(SECRET);
  expect((await server.request("/health")).status).toBe(200);
  expect(await readdir(join(home, "workspaces"))).not.toContain(runId);
  // Nor the FIFOs of its host sandbox's slots, made beside the workspaces.
  const slots = await readdir(join(home, "workspaces", ".slots")).catch(() => []);
  expect(slots.filter((name) => name.startsWith(runId))).toEqual([]);
}

describe("hostile pipelines (host executor)", () => {
  it("6: huge log() messages and outputs hit their caps; the run API stays small and the server alive", async () => {
    const id = await pushRun(
      clone,
      "bounds",
      `import { job } from "quire/ci";
job("chatty", ["quire/push"], async ({ log }) => { for (let i = 0; i < 12; i++) await log("x".repeat(4 * 1024 * 1024)); return {}; });
job("hoard", ["quire/push"], async () => ({ blob: "y".repeat(2 * 1024 * 1024) }));
`,
    );
    const run = await waitForRun(server, id);
    expect(run).toMatchObject({ status: "failed", outcome: "failed" });
    expect(run.error).toMatch(/job "hoard": its outputs are 2048 KiB of JSON, over the cap of 1024 KiB a job/);
    const answers = await Promise.all(Array.from({ length: 8 }, () => server.request(`/runs/${id}`)));
    const bodies = await Promise.all(answers.map((a) => a.text()));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    for (const body of bodies) expect(body.length).toBeLessThan(1024 * 1024);
    const chatty = (JSON.parse(bodies[0] ?? "{}") as { jobs: { id: string; receipt: { messages: { text: string }[] } }[] }).jobs.find((j) => j.id === "chatty");
    expect(chatty?.receipt.messages[0]?.text).toMatch(/\[quire: log message cut at 64 KiB\]$/);
    expect(chatty?.receipt.messages.at(-1)?.text).toMatch(/more log message\(s\) dropped/);
    await noEffect(id);
  });

  it("7: a secret used as a file name never reaches state, receipts or the API through an infrastructure error", async () => {
    const id = await pushRun(
      clone,
      "redact",
      `import { job } from "quire/ci";
job("leak", ["quire/push"], async ({ secret, writeFile, sh }) => {
  const token = await secret("token");
  await writeFile(token, "a file, not a directory");
  await sh(["ls", token]);
  await writeFile(token + "/below", "cannot be written: its parent is a file");
});
`,
    );
    const run = await waitForRun(server, id);
    expect(["failed", "errored"]).toContain(run.outcome);
    expect(run.error).toContain("{{ token }}");
    await noEffect(id);
  });

  it.each([["..", "dots"], [".hidden", "hidden"], ["a".repeat(201), "long"], ["tab\\there", "tab"]])(
    "9: job id %j fails validation and the run ends errored, not stuck active",
    async (jobId, branch) => {
      const id = await pushRun(clone, `bad-id-${branch}`, `import { job } from "quire/ci";\njob(${JSON.stringify(jobId)}, ["quire/push"], async () => ({}));\n`);
      const run = await waitForRun(server, id);
      expect(run).toMatchObject({ status: "failed", outcome: "errored" });
      expect(run.error).toMatch(/is invalid:\n- job .*: a job id /);
      await noEffect(id);
    },
  );

  it("10: intake refuses refs git would never make, writing nothing, and every ref it takes can be named as repo@ref", async () => {
    const before = await readdir(join(home, "runs", "demo.git", "pending")).catch(() => []);
    const sha = (await clone.commit({ ".quire/ci.ts": `import { job } from "quire/ci";\njob("ok", ["quire/push"], async () => ({}));\n` })).trim();
    for (const ref of ["refs/heads/@{-1}", "refs/heads/a.lock", "refs/heads/.x", "refs/heads/x/", "refs/heads/x.", "refs/heads/bell\u0007", "refs/heads/rtl\u202Eevil"]) {
      const answer = await postPush(server, "demo.git", ref, sha);
      expect(answer.status, ref).toBe(400);
      expect(((await answer.json()) as { error: { code: string } }).error.code).toBe("invalid_event");
    }
    expect(await readdir(join(home, "runs", "demo.git", "pending")).catch(() => [])).toEqual(before);
    const odd = "odd@name#1";
    const id = await pushRun(clone, odd, `import { job } from "quire/ci";\njob("ok", ["quire/push"], async () => ({}));\n`);
    await waitForRun(server, id);
    const named = await server.request(`/runs/${encodeURIComponent(`demo.git@${odd}`)}`);
    expect(named.status).toBe(200);
    expect(((await named.json()) as { run_id: string }).run_id).toBe(id);
  });

  it("11: an sh timeout beyond the run's is a TypeError in the job, not a 26 ms timeout", async () => {
    const id = await pushRun(
      clone,
      "timeout",
      `import { job } from "quire/ci";
job("t", ["quire/push"], async ({ sh }) => {
  try { await sh("sleep 1", { timeout: 3_000_000_000 }); } catch (error) { throw new Error("caught " + (error as Error).name + ": " + (error as Error).message); }
});
`,
    );
    const run = await waitForRun(server, id);
    expect(run).toMatchObject({ status: "failed", outcome: "failed" });
    expect(run.error).toMatch(/caught TypeError: sh: timeout must be a whole number of milliseconds from 1 to the run's timeout \(120000\)/);
    await noEffect(id);
  });

  it("14: POST /reconcile right after a push does not report the freshly queued run as requeued", async () => {
    const slow = await pushRun(clone, "busy", `import { job } from "quire/ci";\njob("s", ["quire/push"], async ({ sh }) => { await sh("sleep 2"); });\n`);
    const queued = await pushRun(clone, "queued", `import { job } from "quire/ci";\njob("ok", ["quire/push"], async () => ({}));\n`);
    const report = (await (await postWithToken(server, "/reconcile")).json()) as { requeued: string[]; orphaned: string[] };
    expect(report.requeued).not.toContain(queued);
    expect(report.orphaned).toEqual([]);
    expect((await waitForRun(server, slow)).outcome).toBe("succeeded");
    expect((await waitForRun(server, queued)).outcome).toBe("succeeded");
  });

  it("12: a restart after a crash fails the orphan and removes its workspace", async () => {
    const id = await pushRun(clone, "orphan", `import { job } from "quire/ci";\njob("s", ["quire/push"], async ({ sh }) => { await sh("sleep 60"); });\n`);
    await waitForRun(server, id, (run) => run.status === "active" && run.last_job === "s");
    await waitFor(async () => (await readdir(join(home, "workspaces"))).includes(id));
    await server.kill();
    server = await startServer(home);
    const run = await waitForRun(server, id);
    expect(run).toMatchObject({ status: "failed", outcome: "orphaned" });
    await noEffect(id);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}
