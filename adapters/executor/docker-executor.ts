import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { ExecContext, ExecOpenError, ExecSession, Executor } from "../../core/ports/exec.ts";
import { imageTag } from "../../core/names/image-tag.ts";
import type { Clock } from "../../core/ports/clock-ids.ts";
import { err, ok, type Result } from "../../core/result.ts";
import { DockerCli, type DockerFailure } from "./docker-cli.ts";
import { engineHasBridge, forceRemove, startContainer } from "./docker-container.ts";
import { DockerSession } from "./docker-session.ts";
import { EXEC_MUX_FILE } from "../package/package-files.ts";

export interface DockerExecutorOptions {
  /** Used when the commit has no `.quire/Dockerfile` (config `docker.image`). */
  defaultImage?: string;
  cpus?: number;
  memoryMb?: number;
  /** Containers get no network unless this is true. */
  network?: boolean;
  clock: Clock;
  /** The docker CLI; resolved from PATH when absent. */
  cli?: DockerCli;
  buildTimeoutMs?: number;
  /**
   * Labels containers as this installation's (e.g. the home directory), so the janitor
   * of another home on the same engine leaves them alone. Pass the same to the janitor.
   */
  scope?: string;
  /**
   * Host path of exec-mux (adapters/executor/exec-mux.c), which keeps stdout and stderr in
   * the order they were written; default: the one the build compiled, when it is there.
   * null: without it, docker may deliver a stderr line before stdout printed earlier.
   */
  execMux?: string | null;
}

/** Docker labels on every run container; the janitor finds strays by them. */
export const RUN_LABEL = "quire.run-id";
export const REPO_LABEL = "quire.repo";
export const SCOPE_LABEL = "quire.scope";

export const DOCKERFILE = ".quire/Dockerfile";

// PID 1 only has to exist; TERM ends it at once (`wait` is interruptible) and rm -f kills it
// anyway. No --init: a shell's `wait` reaps adopted orphans too, and without an init in
// front an image that has no sh fails to start instead of dying a moment later.
const IDLE = 'trap "exit 0" TERM INT; sleep 2147483647 & wait';

export function createDockerExecutor(options: DockerExecutorOptions): Executor {
  const cli = options.cli ?? new DockerCli();
  let networkNone: Promise<boolean> | undefined;
  const isolate = () => (networkNone ??= options.network === true ? Promise.resolve(false) : engineHasBridge(cli));
  let mux: Promise<string | undefined> | undefined;
  const findMux = () => (mux ??= options.execMux === null ? Promise.resolve(undefined) : existingFile(options.execMux ?? EXEC_MUX_FILE));
  return { kind: "docker", open: async (context) => openSession(cli, options, context, await isolate(), await findMux()) };
}

async function openSession(
  cli: DockerCli,
  options: DockerExecutorOptions,
  context: ExecContext,
  networkNone: boolean,
  mux: string | undefined,
): Promise<Result<ExecSession, ExecOpenError>> {
  const facts = lifecycle(context);
  const dockerfile = join(context.workspace, DOCKERFILE);
  let image: string;
  if (await isFile(dockerfile)) {
    image = imageTag(context.repo, context.runId);
    await facts.add({ image_tag: image, build_started_at: options.clock.now() });
    // --force-rm: a failed step leaves no intermediate container behind.
    // The scope label lets `quire gc` of this home, and only of this home, find the image.
    const scope = options.scope ? ["--label", `${SCOPE_LABEL}=${options.scope}`] : [];
    const built = await cli.run(["build", "--quiet", "--force-rm", ...scope, "--label", `${RUN_LABEL}=${context.runId}`, "--file", dockerfile, "--tag", image, context.workspace], {
      timeoutMs: options.buildTimeoutMs ?? 30 * 60_000,
    });
    await facts.add({ build_finished_at: options.clock.now() });
    if (!built.ok) return err(openError(built.error, "image_build_failed", `docker build of ${DOCKERFILE} failed`));
  } else if (options.defaultImage) {
    image = options.defaultImage;
    await facts.add({ image_tag: image });
  } else {
    return err({ code: "no_image", message: `the commit has no ${DOCKERFILE} and no docker.image is configured` });
  }

  const labels: Record<string, string> = { [RUN_LABEL]: context.runId, [REPO_LABEL]: context.repo };
  if (options.scope) labels[SCOPE_LABEL] = options.scope;
  const started = await startContainer(cli, {
    image,
    labels,
    workspace: context.workspace,
    networkNone,
    command: IDLE,
    ...(mux === undefined ? {} : { mux }),
    ...(options.cpus === undefined ? {} : { cpus: options.cpus }),
    ...(options.memoryMb === undefined ? {} : { memoryMb: options.memoryMb }),
  });
  if (!started.ok) {
    // Created but not started, it would linger; a failure to remove it is for the janitor.
    await removeRunContainers(cli, context.runId).catch(() => undefined);
    return err(openError(started.error, "container_start_failed", `could not start a container from ${image}`));
  }
  const containerId = started.value;
  const session = new DockerSession(cli, containerId, () => facts.add({ container_stopped_at: options.clock.now() }), mux !== undefined);
  try {
    await facts.add({ container_id: containerId, container_started_at: options.clock.now() });
  } catch (error) {
    await session.close().catch(() => undefined);
    throw error;
  }
  return ok(session);
}

async function removeRunContainers(cli: DockerCli, runId: string): Promise<void> {
  const listed = await cli.run(["ps", "--all", "--quiet", "--filter", `label=${RUN_LABEL}=${runId}`], { timeoutMs: 30_000 });
  for (const id of listed.ok ? listed.value.split("\n").filter(Boolean) : []) await forceRemove(cli, id);
}

function openError(failure: DockerFailure, code: ExecOpenError["code"], what: string): ExecOpenError {
  return { code: failure.kind === "unavailable" ? "executor_unavailable" : code, message: `${what}: ${failure.message}` };
}

/** container.yml facts, handed to the runner whole each time one is added. */
function lifecycle(context: ExecContext) {
  const facts: Record<string, string> = {};
  return {
    async add(more: Record<string, string>): Promise<void> {
      Object.assign(facts, more);
      if (context.record) await context.record({ ...facts });
    },
  };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function existingFile(path: string): Promise<string | undefined> {
  return (await isFile(path)) ? path : undefined;
}
