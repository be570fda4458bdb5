import { describe, expect, it } from "vitest";
import type { PipelineHost, PipelineRuntime } from "../../core/ports/pipeline-runtime.ts";
import { err, ok } from "../../core/result.ts";

/** Prepares a workspace holding `.quire/ci.mjs` with this source; returns the workspace. */
export type PlacePipeline = (source: string) => Promise<string>;

const PIPELINE = ".quire/ci.mjs";
const LIMITS = { memoryMb: 128, wallClockMs: 20_000 };
const never = new AbortController().signal;

/** A server side that answers like the real one, from a script. */
function scriptedHost(): PipelineHost & { logged: string[] } {
  const files = new Map<string, string>();
  const logged: string[] = [];
  return {
    logged,
    async sh(call) {
      const cmd = Array.isArray(call.cmd) ? call.cmd.join(" ") : call.cmd;
      return ok({ exit: cmd.includes("fail") ? 3 : 0, stdout: `ran ${cmd}`, stderr: "", cmd, duration_ms: 1 });
    },
    async secret(name) {
      return name === "token" ? ok("s3cret-value") : err(`unknown secret "${name}"`);
    },
    jobs(name) {
      return name === "quire/push" ? ok({ branch: "main", sha: "a".repeat(40) }) : err(`no outputs for ${name}`);
    },
    async log(message) {
      logged.push(message);
    },
    async readFile(path) {
      const text = files.get(path);
      return text === undefined ? err(`${path}: no such file`) : ok(text);
    },
    async writeFile(path, data) {
      files.set(path, data.encoding === "utf8" ? data.data : Buffer.from(data.data, "base64").toString());
      return ok(null);
    },
  };
}

const SOURCE = `import { job, skip } from "quire/ci";
job("build", ["quire/push"], async ({ sh, jobs, log, writeFile, readFile }) => {
  const push = jobs("quire/push");
  const result = await sh(["make", push.branch]);
  await log("built " + push.branch);
  await writeFile("out.txt", "artifact");
  return { stdout: result.stdout, exit: result.exit, file: await readFile("out.txt") };
});
job("strict", ["build"], async ({ sh }) => { await sh("make fail"); return {}; });
job("lenient", ["build"], async ({ sh }) => ({ exit: (await sh("make fail", { nothrow: true })).exit }));
job("maybe", ["quire/push"], async () => skip("not today"));
job("broken", ["quire/push"], async () => { throw new Error("kaput"); });
job("secrets", ["quire/push"], async ({ secret }) => ({ token: await secret("token"), other: await secret("nope") }));
job("quiet", ["quire/push"], async ({ sh }) => { await sh("make quiet"); });
`;

/** What every pipeline runtime (the sandboxed child and the in-process fake) must do with the same pipeline. */
export function pipelineRuntimeContract(name: string, runtime: () => PipelineRuntime, place: PlacePipeline): void {
  describe(`PipelineRuntime contract: ${name}`, () => {
    it("loads the jobs with their inputs and runs each with the SDK's semantics", async () => {
      const loaded = await runtime().load({ workspace: await place(SOURCE), pipelinePath: PIPELINE, limits: LIMITS, signal: never });
      if (loaded.kind !== "loaded") throw new Error(loaded.message);
      const { session } = loaded;
      try {
        expect(session.jobs).toEqual([
          { id: "build", inputs: ["quire/push"] },
          { id: "strict", inputs: ["build"] },
          { id: "lenient", inputs: ["build"] },
          { id: "maybe", inputs: ["quire/push"] },
          { id: "broken", inputs: ["quire/push"] },
          { id: "secrets", inputs: ["quire/push"] },
          { id: "quiet", inputs: ["quire/push"] },
        ]);
        const host = scriptedHost();
        expect(await session.runJob("build", host)).toEqual({
          kind: "outputs",
          outputs: { stdout: "ran make main", exit: 0, file: "artifact" },
        });
        expect(host.logged).toEqual(["built main"]);
        const strict = await session.runJob("strict", host);
        expect(strict.kind).toBe("failed");
        if (strict.kind === "failed") expect(strict.error).toMatch(/exited with 3/);
        expect(await session.runJob("lenient", host)).toEqual({ kind: "outputs", outputs: { exit: 3 } });
        expect(await session.runJob("maybe", host)).toEqual({ kind: "skipped", reason: "not today" });
        expect(await session.runJob("quiet", host)).toEqual({ kind: "outputs", outputs: {} });
        const broken = await session.runJob("broken", host);
        expect(broken.kind === "failed" && broken.error).toMatch(/kaput/);
        const secrets = await session.runJob("secrets", host);
        expect(secrets.kind === "failed" && secrets.error).toMatch(/unknown secret "nope"/);
      } finally {
        await session.close();
      }
    });

    it("reports a pipeline that throws while loading as a load error", async () => {
      const workspace = await place(`import { job } from "quire/ci";\nthrow new Error("boom at import");\n`);
      const loaded = await runtime().load({ workspace, pipelinePath: PIPELINE, limits: LIMITS, signal: never });
      expect(loaded.kind).toBe("error");
      if (loaded.kind === "error") expect(loaded.message).toMatch(/boom at import/);
    });

    it("begun ahead of its workspace, loads the same jobs once the workspace is there", async () => {
      const early = runtime().start({ limits: LIMITS, signal: never });
      const loaded = await early.load({ workspace: await place(SOURCE), pipelinePath: PIPELINE });
      if (loaded.kind !== "loaded") throw new Error(loaded.message);
      try {
        expect(loaded.session.jobs.map((j) => j.id)).toEqual(["build", "strict", "lenient", "maybe", "broken", "secrets", "quiet"]);
        expect(await loaded.session.runJob("maybe", scriptedHost())).toEqual({ kind: "skipped", reason: "not today" });
      } finally {
        await loaded.session.close();
      }
      // After a load, abandoning is nothing (runPipeline's finally calls it either way), and a second load is refused.
      await early.abandon();
      await expect(early.load({ workspace: await place(SOURCE), pipelinePath: PIPELINE })).rejects.toMatchObject({ code: "pipeline_loaded_twice" });
    });

    it("abandoned before any workspace came, can be abandoned again and loads nothing after", async () => {
      const early = runtime().start({ limits: LIMITS, signal: never });
      await early.abandon();
      await early.abandon();
      await expect(early.load({ workspace: await place(SOURCE), pipelinePath: PIPELINE })).rejects.toMatchObject({ code: "pipeline_loaded_twice" });
    });
  });
}
