/**
 * A host executor session in a real bubblewrap sandbox, opened before each test of the file
 * and closed after it, with `run` to execute one command and collect what it printed.
 */
import { afterEach, beforeEach } from "vitest";
import { createHostExecutor } from "../../adapters/executor/host-executor.ts";
import { sandboxIds } from "../../adapters/process/sandbox-identity.ts";
import { probeSandbox } from "../../adapters/process/sandbox-probe.ts";
import type { ExecSession, OutputSink, StreamName } from "../../core/ports/exec.ts";
import type { RepoName } from "../../core/types.ts";
import { execRequest } from "./exec-request.ts";
import { tempDir } from "./temp-dir.ts";

/** Text of each stream up to `cap` characters, and every byte counted. */
class Collect implements OutputSink {
  readonly text: Record<StreamName, string> = { stdout: "", stderr: "" };
  bytes = 0;
  readonly #decoder = new TextDecoder();
  constructor(private readonly cap: number) {}
  async write(stream: StreamName, chunk: Uint8Array): Promise<void> {
    this.bytes += chunk.byteLength;
    if (this.text[stream].length < this.cap) this.text[stream] += this.#decoder.decode(chunk, { stream: true });
  }
}

export function useSandboxedSession(options: { prefix: string; killGraceMs?: number; textCap?: number }) {
  let session: ExecSession | undefined;
  let workspace = "";
  beforeEach(async () => {
    const user = sandboxIds();
    const probed = await probeSandbox(user);
    if (!probed.ok) throw new Error(probed.error);
    const executor = createHostExecutor({
      sandbox: { bwrapPath: probed.value, user, network: false, hide: [] },
      drainIdleMs: 100,
      ...(options.killGraceMs === undefined ? {} : { killGraceMs: options.killGraceMs }),
    });
    workspace = await tempDir(options.prefix);
    const opened = await executor.open({ runId: "sandboxed", repo: "demo.git" as RepoName, workspace });
    if (!opened.ok) throw new Error(opened.error.message);
    session = opened.value;
  });
  afterEach(async () => {
    await session?.close();
    session = undefined;
  });
  const current = (): ExecSession => {
    if (session === undefined) throw new Error("no sandboxed session outside a test");
    return session;
  };
  return {
    session: current,
    workspace: () => workspace,
    async run(argv: string[], extra: Parameters<typeof execRequest>[1] = {}) {
      const sink = new Collect(options.textCap ?? Number.POSITIVE_INFINITY);
      const result = await current().exec(execRequest(argv, extra), sink);
      return { ...result, ...sink.text, bytes: sink.bytes };
    },
  };
}
