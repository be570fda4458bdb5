/**
 * Fixtures for the docker suites: a real engine (or a failing test that says how to get
 * one), throwaway workspaces, sessions that are checked for leftovers after each test.
 */
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { systemClock } from "../../adapters/clock/system-clock.ts";
import { DockerCli, SETUP_HINT } from "../../adapters/executor/docker-cli.ts";
import { createDockerExecutor, type DockerExecutorOptions } from "../../adapters/executor/docker-executor.ts";
import type { ExecOpenError, ExecRequest, ExecSession, OutputSink } from "../../core/ports/exec.ts";
import { imageTag } from "../../core/names/image-tag.ts";
import type { Result } from "../../core/result.ts";
import type { RepoName } from "../../core/types.ts";
import { execRequest } from "./exec-request.ts";

export const BASE = "quire-base:busybox";
export const REPO = "group/My_Repo.git" as RepoName;
export const cli = new DockerCli();
/** Containers of these suites carry their own scope: a quire server's reconcile elsewhere leaves them alone. */
export const SCOPE = "quire-tests";

export async function docker(args: string[]): Promise<string> {
  return (await execa(cli.bin, args)).stdout.trim();
}

export async function containersOf(runId: string): Promise<string[]> {
  return (await docker(["ps", "-aq", "--filter", `label=quire.run-id=${runId}`])).split("\n").filter(Boolean);
}

/** Fails (never skips) a docker suite on a machine without the engine or the base image. */
export async function requireEngine(): Promise<void> {
  const engine = await cli.engineVersion();
  if (!engine.ok) throw new Error(`no Docker engine: ${engine.error.message}`);
  if (!(await cli.imageExists(BASE))) throw new Error(`image ${BASE} is missing; ${SETUP_HINT}`);
}

/** Call at the top of a suite: engine checks, and cleanup that fails a test which left a container behind. */
export function useDocker(): { open: typeof open; openResult: typeof openResult; track: (runId: string) => void } {
  const runIds: string[] = [];
  const runIdsSeen = new Set<string>();
  const dirs: string[] = [];

  beforeAll(requireEngine);

  afterEach(async () => {
    for (const runId of runIds.splice(0)) {
      const left = await containersOf(runId);
      if (left.length > 0) await docker(["rm", "-f", ...left]);
      expect(left, `containers left behind by run ${runId}`).toEqual([]);
    }
  });

  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    const repository = imageTag(REPO, "x").split(":")[0] ?? "";
    const tags = (await docker(["images", "--format", "{{.Repository}}:{{.Tag}}", repository])).split("\n");
    const ours = tags.filter((tag) => runIdsSeen.has(tag.split(":")[1] ?? ""));
    if (ours.length > 0) await docker(["rmi", ...ours]);
  });

  async function openResult(options: Partial<DockerExecutorOptions>, files: Record<string, string> = {}) {
    const ws = await mkdtemp(join(tmpdir(), "quire-docker-ws-"));
    dirs.push(ws);
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(ws, path)), { recursive: true });
      await writeFile(join(ws, path), content);
    }
    const runId = randomUUID();
    runIds.push(runId);
    runIdsSeen.add(runId);
    const recorded: Record<string, string>[] = [];
    const executor = createDockerExecutor({ clock: systemClock, scope: SCOPE, ...options });
    const result: Result<ExecSession, ExecOpenError> = await executor.open({
      runId,
      repo: REPO,
      workspace: ws,
      record: async (facts) => void recorded.push(facts),
    });
    return { result, runId, ws, recorded, facts: () => recorded.at(-1) ?? {} };
  }

  async function open(options: Partial<DockerExecutorOptions> = { defaultImage: BASE }, files: Record<string, string> = {}) {
    const opened = await openResult(options, files);
    if (!opened.result.ok) throw new Error(`open failed: ${opened.result.error.code}: ${opened.result.error.message}`);
    return { ...opened, session: opened.result.value, tag: imageTag(REPO, opened.runId) };
  }

  return { open, openResult, track: (runId) => runIds.push(runId) };
}

export const request = execRequest;

export function collector(): OutputSink & { stdout: () => string; stderr: () => string } {
  const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  return {
    write: async (stream, chunk) => void chunks[stream].push(Buffer.from(chunk)),
    stdout: () => Buffer.concat(chunks.stdout).toString(),
    stderr: () => Buffer.concat(chunks.stderr).toString(),
  };
}

export async function run(session: ExecSession, argv: string[], extra: Partial<ExecRequest> = {}) {
  const sink = collector();
  const result = await session.exec(request(argv, extra), sink);
  return { ...result, stdout: sink.stdout(), stderr: sink.stderr() };
}

/** Processes in the container other than its idle PID 1 and our own `ps`. */
export async function strayProcesses(containerId: string): Promise<string[]> {
  const ps = await docker(["exec", containerId, "ps", "-o", "pid,args"]);
  return ps
    .split("\n")
    .slice(1)
    .map((line) => line.trim())
    .filter((line) => !/trap "exit 0"|sleep 2147483647|ps -o pid,args/.test(line));
}
