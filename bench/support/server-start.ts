/**
 * `node bin/quire.js serve` as its own process, timed from the command to /health answering,
 * so a bench reads the server's own start time and RSS, not the bench process's.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { performance } from "node:perf_hooks";
import { apiClient } from "../../functions/http/api-client.ts";
import { QUIRE_BIN } from "../../test/support/quire-process.ts";
import { statusBytes } from "./proc-memory.ts";

export interface StartedServer {
  /** Command → /health answering 200. */
  ms: number;
  url: string;
  /** The server's resident memory now. */
  rss(): number;
  stop(): Promise<void>;
}

export async function startQuire(home: string, timeoutMs = 120_000): Promise<StartedServer> {
  const began = performance.now();
  const child = spawn(process.execPath, [QUIRE_BIN, "serve", "--home", home, "--port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, QUIRE_LOG_LEVEL: "warn" },
  });
  const exited = once(child, "exit");
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  try {
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const match = /at (http:\/\/\S+)/.exec(out);
        if (match?.[1]) resolve(match[1]);
      });
      void exited.then(() => reject(new Error(`quire serve exited before it listened: ${stderr}`)));
      setTimeout(() => reject(new Error(`quire serve did not listen within ${timeoutMs} ms`)), timeoutMs).unref();
    });
    await apiClient({ baseUrl: url }).health();
    const ms = performance.now() - began;
    return { ms, url, rss: () => statusBytes(child.pid ?? 0, "VmRSS"), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
