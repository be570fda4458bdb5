import { describe, expect, it } from "vitest";
import type { ExecRequest, ExecSession, OutputSink } from "../../core/ports/exec.ts";
import { execRequest } from "../support/exec-request.ts";

/** Opens a session of the executor under test; the contract closes it. */
export type OpenSession = () => Promise<ExecSession>;

const request = execRequest;

async function run(session: ExecSession, argv: string[], extra: Partial<ExecRequest> = {}) {
  const out = { stdout: "", stderr: "" };
  const sink: OutputSink = { write: async (stream, chunk) => void (out[stream] += Buffer.from(chunk).toString()) };
  const started = Date.now();
  const result = await session.exec(request(argv, extra), sink);
  return { ...result, ...out, took: Date.now() - started };
}

/** What every executor (host, docker, the fake) must do with the same commands. */
export function executorContract(name: string, open: OpenSession): void {
  describe(`Executor contract: ${name}`, () => {
    it("streams stdout and reports exit codes", async () => {
      const session = await open();
      try {
        expect(await run(session, ["echo", "hello"])).toMatchObject({ exit: 0, reason: "exited", stdout: "hello\n" });
        expect(await run(session, ["sh", "-c", "exit 3"])).toMatchObject({ exit: 3, reason: "exited" });
        expect((await run(session, ["quire-no-such-program"])).exit).toBe(127);
      } finally {
        await session.close();
      }
    });

    it("gives the command exactly its env, nothing of the server's, and the cwd it asked for", async () => {
      process.env.QUIRE_CONTRACT_LEAK = "server-only";
      const session = await open();
      try {
        const env = await run(session, ["env"], { env: { GREETING: "hi there" } });
        expect(env.stdout).toContain("GREETING=hi there");
        expect(env.stdout).not.toContain("QUIRE_CONTRACT_LEAK");
        expect((await run(session, ["mkdir", "-p", "sub"])).exit).toBe(0);
        expect((await run(session, ["pwd"], { cwd: "sub" })).stdout).toMatch(/\/sub\n$/);
      } finally {
        delete process.env.QUIRE_CONTRACT_LEAK;
        await session.close();
      }
    });

    it("stops a command on abort and on timeout, promptly", async () => {
      const session = await open();
      try {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 100);
        const cancelled = await run(session, ["sleep", "30"], { signal: controller.signal });
        expect(cancelled.reason).toBe("cancelled");
        expect(cancelled.took).toBeLessThan(5_000);
        const timedOut = await run(session, ["sleep", "30"], { timeoutMs: 200 });
        expect(timedOut.reason).toBe("timed-out");
        expect(timedOut.took).toBeLessThan(5_000);
      } finally {
        await session.close();
      }
    });
  });
}
