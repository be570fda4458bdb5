import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { QUIRE_BIN } from "./quire-process.ts";

export interface RunnerProcess {
  child: ChildProcess;
  /** The lease owner it writes (`host:pid:instance`). */
  owner: string;
  /** What it wrote to stderr so far (its JSON log lines). */
  stderr(): string;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `quire runner` on a home and waits until it says it is claiming. */
export async function startRunner(home: string, args: string[] = [], env: Record<string, string> = {}): Promise<RunnerProcess> {
  const child = spawn(process.execPath, [QUIRE_BIN, "runner", "--home", home, ...args], {
    env: { ...process.env, QUIRE_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = once(child, "exit");
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const owner = await new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      const match = /quire runner (\S+) claiming/.exec(chunk.toString());
      if (match?.[1]) resolve(match[1]);
    });
    void exited.then(() => reject(new Error(`quire runner exited early: ${stderr}`)));
    setTimeout(() => reject(new Error(`quire runner did not start in 20 s: ${stderr}`)), 20_000).unref();
  });
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    await exited;
  };
  return { child, owner, stderr: () => stderr, kill: () => signal("SIGKILL"), stop: () => signal("SIGTERM") };
}
