import { describe, expect, it } from "vitest";
import { capText, MAX_ERROR_BYTES, MAX_LOG_MESSAGE_BYTES, MAX_OUTPUT_BYTES, MAX_SH_RECORDS, utf8Bytes } from "../../core/pipeline/bounds.ts";
import { runPipeline } from "../../core/run/run-pipeline.ts";
import { fakeRunDeps, job, SHA } from "../support/fake-run-deps.ts";

const never = new AbortController().signal;

describe("capText", () => {
  it("keeps short text and cuts long text to the cap, saying so", () => {
    expect(capText("short", 64)).toEqual({ text: "short", capped: false });
    const cut = capText("é".repeat(1000), 100, "thing");
    expect(cut.capped).toBe(true);
    expect(utf8Bytes(cut.text)).toBeLessThanOrEqual(100);
    expect(cut.text).toMatch(/^é+ … \[quire: thing cut at 0 KiB\]$/);
  });
});

describe("a run's records stay bounded", () => {
  it("cuts big log() messages, drops messages past the job's budget, and says so", async () => {
    const { deps, createRun, files } = fakeRunDeps({
      [SHA]: {
        jobs: [
          job("chatty", ["quire/push"], async ({ log }) => {
            for (let i = 0; i < 12; i++) await log("x".repeat(5 * 1024 * 1024));
            return {};
          }),
        ],
      },
    });
    const run = await createRun();
    const done = await runPipeline(run, deps, never);
    expect(done.state.outcome).toBe("succeeded");
    const text = (await files.readFile(run.meta.repo, run.meta.run_id, "jobs/chatty/receipt.json")) ?? "";
    expect(text.length).toBeLessThan(1024 * 1024);
    const receipt = JSON.parse(text) as { version: number; messages: { at: string; text: string }[] };
    expect(receipt.version).toBe(2);
    expect(receipt.messages[0]?.text).toMatch(/ … \[quire: log message cut at 64 KiB\]$/);
    expect(receipt.messages[0]?.at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(utf8Bytes(receipt.messages[0]?.text ?? "")).toBeLessThanOrEqual(MAX_LOG_MESSAGE_BYTES);
    expect(receipt.messages.at(-1)?.text).toMatch(/^quire: \d+ more log message\(s\) dropped/);
  });

  it("fails a job whose outputs are over the cap, with a message that says what to do", async () => {
    const { deps, createRun, files } = fakeRunDeps({
      [SHA]: { jobs: [job("big", ["quire/push"], async () => ({ blob: "y".repeat(MAX_OUTPUT_BYTES + 10) }))] },
    });
    const run = await createRun();
    const done = await runPipeline(run, deps, never);
    expect(done.state.outcome).toBe("failed");
    expect(done.state.error).toMatch(/job "big": its outputs are 1024 KiB of JSON, over the cap of 1024 KiB a job/);
    const text = (await files.readFile(run.meta.repo, run.meta.run_id, "jobs/big/receipt.json")) ?? "";
    expect(text.length).toBeLessThan(64 * 1024);
  });

  it("cuts error texts to their cap", async () => {
    const { deps, createRun } = fakeRunDeps({
      [SHA]: {
        jobs: [
          job("loud", ["quire/push"], async () => {
            throw new Error("z".repeat(1024 * 1024));
          }),
        ],
      },
    });
    const done = await runPipeline(await createRun(), deps, never);
    expect(done.state.outcome).toBe("failed");
    expect(utf8Bytes(done.state.error ?? "")).toBeLessThanOrEqual(MAX_ERROR_BYTES + 100);
    expect(done.state.error).toMatch(/cut at 8 KiB\]/);
  });

  it("lists at most MAX_SH_RECORDS sh calls but counts them all", async () => {
    const calls = MAX_SH_RECORDS + 5;
    const { deps, createRun, files } = fakeRunDeps({
      [SHA]: {
        jobs: [
          job("many", ["quire/push"], async ({ sh }) => {
            for (let i = 0; i < calls; i++) await sh(["true"]);
            return {};
          }),
        ],
      },
    });
    const run = await createRun();
    await runPipeline(run, deps, never);
    const receipt = JSON.parse((await files.readFile(run.meta.repo, run.meta.run_id, "jobs/many/receipt.json")) ?? "{}");
    expect(receipt).toMatchObject({ sh_calls: calls, sh_unlisted: 5 });
    expect(receipt.sh).toHaveLength(MAX_SH_RECORDS);
    const runReceipt = JSON.parse((await files.readFile(run.meta.repo, run.meta.run_id, "receipt.json")) ?? "{}");
    expect(runReceipt.sh_calls).toBe(calls);
    expect(runReceipt.exit_codes).toHaveLength(MAX_SH_RECORDS);
  });

  it("makes an sh timeout above the run's a TypeError in the job", async () => {
    const { deps, createRun, files } = fakeRunDeps({
      [SHA]: {
        jobs: [
          job("t", ["quire/push"], async ({ sh }) => {
            try {
              await sh("sleep 1", { timeout: 3_000_000_000 });
              return { thrown: "nothing" };
            } catch (error) {
              return { thrown: (error as Error).name, message: (error as Error).message };
            }
          }),
        ],
      },
    });
    const run = await createRun();
    await runPipeline(run, deps, never);
    const receipt = JSON.parse((await files.readFile(run.meta.repo, run.meta.run_id, "jobs/t/receipt.json")) ?? "{}");
    expect(receipt.outputs).toMatchObject({ thrown: "TypeError", message: expect.stringMatching(/timeout must be a whole number/) });
  });
});

describe("never stuck active", () => {
  it("ends the run errored, redacted, when its receipts cannot be written", async () => {
    const secret = "hunter2-is-the-secret";
    const fakes = fakeRunDeps({ [SHA]: { jobs: [job("ok", ["quire/push"], async () => ({}))] } }, { token: secret });
    const files = fakes.files;
    const broken = Object.assign(Object.create(Object.getPrototypeOf(files) as object) as typeof files, files, {
      writeFile: async (_repo: string, _id: string, path: string) => {
        throw new Error(`disk said no to ${path} (${secret})`);
      },
    });
    const run = await fakes.createRun();
    const done = await runPipeline(run, { ...fakes.deps, files: broken }, never);
    expect(done.state).toMatchObject({ status: "failed", outcome: "errored" });
    expect(done.state.error).toMatch(/could not record the run's results: Error: disk said no to jobs\/ok\/receipt\.json \(\{\{ token \}\}\)/);
    expect(JSON.stringify(await fakes.store.getRun(run.meta.repo, run.meta.run_id))).not.toContain(secret);
  });

  it("redacts a secret that reaches an infrastructure error", async () => {
    const secret = "a-secret-used-as-a-name";
    const fakes = fakeRunDeps(
      {
        [SHA]: {
          jobs: [
            job("w", ["quire/push"], async ({ secret: get, writeFile }) => {
              await writeFile(await get("token"), "x");
              return {};
            }),
          ],
        },
      },
      { token: secret },
    );
    const workspaceFiles = {
      read: fakes.workspaceFiles.read.bind(fakes.workspaceFiles),
      write: async (_ws: string, path: string) => {
        throw new Error(`StorageError: could not write workspace file "${path}": ETXTBSY`);
      },
    };
    const run = await fakes.createRun();
    const done = await runPipeline(run, { ...fakes.deps, workspaceFiles }, never);
    expect(["failed", "errored"]).toContain(done.state.outcome);
    expect(done.state.error).toContain("{{ token }}");
    const all = await Promise.all(
      (await fakes.files.listFiles(run.meta.repo, run.meta.run_id)).map((p) => fakes.files.readFile(run.meta.repo, run.meta.run_id, p)),
    );
    expect(all.join("\n") + JSON.stringify(done)).not.toContain(secret);
  });
});
