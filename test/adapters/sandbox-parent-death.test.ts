/**
 * A server killed while a sandbox is starting must not leave it behind. bwrap's child waits
 * on an eventfd for its outer process before it asks for a parent-death signal of its own;
 * anything that ends the outer process in that wait (a `setpriv --pdeathsig` around bwrap
 * did: 18 of 150 here) orphans a child that waits forever. Each round starts a throwaway
 * "server" that spawns the real sandbox command line the way quire does, and SIGKILLs
 * itself a few hundred microseconds to a few milliseconds later, across the whole start-up.
 */
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostSandboxArgs } from "../../adapters/executor/host-sandbox-args.ts";
import { pipelineSandboxArgs, sandboxCommand, type SandboxIds } from "../../adapters/process/bwrap-args.ts";
import { sandboxIds } from "../../adapters/process/sandbox-identity.ts";
import { probeSandbox } from "../../adapters/process/sandbox-probe.ts";

const ROUNDS = 40;
/** Kill offsets cover bwrap's start-up on this machine (1–3 ms) several times over. */
const SPREAD_US = 6_000;

/**
 * Spawns argv[3] with argv[4…], busy-waits argv[1] µs, dies. Its stdio is quire's for that
 * sandbox (argv[2]): the host spawner reads requests on stdin, the pipeline child has an IPC
 * channel; each ends when the server's end closes, which is all that ties a sandbox to a
 * server that died before bwrap asked for its parent-death signal.
 */
const SERVER = `
const { spawn } = require("node:child_process");
const [delayUs, ipc, file, ...args] = process.argv.slice(1);
spawn(file, args, { stdio: ipc === "ipc" ? ["ignore", "ignore", "ignore", "ipc"] : ["pipe", "ignore", "ignore"], cwd: "/", env: {} });
const start = process.hrtime.bigint();
while (Number(process.hrtime.bigint() - start) / 1000 < Number(delayUs)) {}
process.kill(process.pid, "SIGKILL");
`;

let bwrapPath: string;
let ids: SandboxIds | undefined;
let scratch: string;

beforeAll(async () => {
  ids = sandboxIds();
  const probed = await probeSandbox(ids);
  if (!probed.ok) throw new Error(`bubblewrap must work here: ${probed.error}`);
  bwrapPath = probed.value;
  scratch = await mkdtemp(join(tmpdir(), "quire-parent-death-"));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Host processes whose command line carries `marker`. */
async function survivors(marker: string): Promise<string[]> {
  const { stdout } = await execa("ps", ["-eo", "pid=,args="]);
  return stdout.split("\n").filter((line) => line.includes(marker));
}

/** What is left of ROUNDS servers that each spawned `file args` (which carry `marker`) and died. */
async function killedWhileStarting(marker: string, ipc: "ipc" | "stdin", { file, args }: { file: string; args: string[] }): Promise<string[]> {
  for (let round = 0; round < ROUNDS; round++) {
    const delayUs = Math.round(((round + 0.5) / ROUNDS) * SPREAD_US);
    await execa(process.execPath, ["-e", SERVER, String(delayUs), ipc, file, ...args], { reject: false });
  }
  // Whatever still starts up finishes (or dies) well within this.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const left = await survivors(marker);
  for (const line of left) process.kill(Number(line.trim().split(" ")[0]), "SIGKILL");
  return left;
}

describe("a server SIGKILLed while a sandbox starts", () => {
  it("leaves no pipeline child's sandbox behind", async () => {
    const marker = `quire-parent-death-${randomUUID()}`;
    const bwrapArgs = pipelineSandboxArgs({ nodePath: process.execPath, bundleDir: "/usr/bin", ids });
    // Leaves when the server's channel closes, as child-main.ts does, and not otherwise.
    const child = `process.on("disconnect", () => process.exit(0)); setInterval(() => {}, 1e9); // ${marker}`;
    const left = await killedWhileStarting(marker, "ipc", sandboxCommand(bwrapPath, bwrapArgs, ids, [process.execPath, "-e", child]));
    expect(left).toEqual([]);
  }, 120_000);

  it("leaves no host run's sandbox behind", async () => {
    const marker = `quire-parent-death-${randomUUID()}`;
    // bwrap binds it: a missing workspace would end every sandbox early and prove nothing.
    const workspace = join(scratch, marker);
    await mkdir(workspace);
    // The spawner reads the server's requests on its stdin; the marker rides in the workspace path.
    const left = await killedWhileStarting(marker, "stdin", { file: bwrapPath, args: hostSandboxArgs({ nodePath: process.execPath, user: ids, network: false, hide: [], slotsDir: scratch, workspace }) });
    expect(left).toEqual([]);
  }, 120_000);
});
