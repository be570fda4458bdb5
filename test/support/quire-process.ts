import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { execa } from "execa";
import { tempDir } from "./temp-dir.ts";
import { apiClient, type ApiClient } from "../../functions/http/api-client.ts";

export const QUIRE_BIN = fileURLToPath(new URL("../../bin/quire.js", import.meta.url));

/** A fresh quire home, removed when the test file is done (temp-dir.ts). */
export async function tempHome(prefix = "quire-home-"): Promise<string> {
  return tempDir(prefix);
}

/** Runs the real CLI, as a user would. */
export function quire(args: string[], options: { input?: string; env?: Record<string, string> } = {}) {
  return execa(process.execPath, [QUIRE_BIN, ...args], {
    reject: false,
    ...(options.input === undefined ? {} : { input: options.input }),
    env: { QUIRE_LOG_LEVEL: "warn", ...options.env },
  });
}

export interface ServerProcess {
  url: string;
  token: string;
  home: string;
  child: ChildProcess;
  /** SIGKILL: what a crash looks like. */
  kill(): Promise<void>;
  stop(): Promise<void>;
  /** A request as it comes, no token: for what the HTTP layer itself answers. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** The typed API client, with the hook token, as the CLI talks to the server. */
  api: ApiClient;
}

/** Starts `quire serve` on a random port and waits until it publishes its URL. */
export async function startServer(home: string, extraArgs: string[] = [], env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [QUIRE_BIN, "serve", "--home", home, "--port", "0", ...extraArgs], {
    env: { ...process.env, QUIRE_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = once(child, "exit");
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const readyLine = new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      const match = /at (http:\/\/\S+)/.exec(chunk.toString());
      if (match?.[1]) resolve(match[1]);
    });
    void exited.then(() => reject(new Error(`quire serve exited early: ${stderr}`)));
  });
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`quire serve did not start in 60 s: ${stderr}`)), 60_000).unref(),
  );
  const url = await Promise.race([readyLine, timeout]);
  const token = (await readFile(join(home, "hook.token"), "utf8")).trim();
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  const request = (path: string, init: RequestInit = {}) => fetch(new URL(path, url), init);
  return { url, token, home, child, kill, stop, request, api: apiClient({ baseUrl: url, token }) };
}
