import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { execa } from "../process/lazy-execa.ts";
import { err, ok, type Result } from "../../core/result.ts";
import { DockerEngineApi } from "./docker-engine-api.ts";
import { SETUP_HINT, type DockerFailure } from "./docker-failure.ts";

export { SETUP_HINT, type DockerFailure } from "./docker-failure.ts";

/** Where the client finds its tools; fixed, never a job's PATH. */
const CLIENT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/** What the operator may set to point the client at an engine; taken once, from the server's start. */
const CLIENT_SETTINGS = ["HOME", "DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY"] as const;

/**
 * The docker client's whole environment: a fixed PATH and the operator's engine settings.
 * Never a job's variables (HOME or DOCKER_CONFIG pointed at the workspace would make the
 * client read a repo's config and run its binaries) and never the rest of the server's
 * (secrets configured as `{ env: … }` live there).
 */
export function dockerClientEnv(server: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = { PATH: CLIENT_PATH };
  for (const name of CLIENT_SETTINGS) {
    const value = server[name];
    if (value !== undefined && value !== "") env[name] = value;
  }
  return env;
}

const ENGINE_DOWN = /Cannot connect to the Docker daemon|Is the docker daemon running|error during connect/i;

/**
 * One-shot docker commands through the CLI. The binary is resolved once, so commands
 * whose environment carries a job's PATH still find the same docker.
 */
export class DockerCli {
  readonly bin: string;
  /** The engine's socket, for one-shot calls on the hot path; absent: the CLI does everything. */
  readonly api: DockerEngineApi | undefined;
  /** Every docker process gets exactly this environment. */
  readonly env: Record<string, string> = dockerClientEnv();

  /** With an explicit binary, everything goes through that binary. */
  constructor(bin?: string, useApi = bin === undefined) {
    this.bin = bin ?? findOnPath("docker") ?? "docker";
    this.api = useApi ? DockerEngineApi.fromEnvironment() : undefined;
  }

  async run(args: string[], options: { timeoutMs?: number; input?: string } = {}): Promise<Result<string, DockerFailure>> {
    const result = await execa(this.bin, args, {
      reject: false,
      env: this.env,
      extendEnv: false,
      stripFinalNewline: true,
      ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
      ...(options.input === undefined ? {} : { input: options.input }),
    });
    if (!result.failed) return ok(String(result.stdout));
    const stderr = String(result.stderr ?? "");
    if (result.code === "ENOENT") {
      return err({ kind: "unavailable", exitCode: null, message: `docker CLI not found (${this.bin}); ${SETUP_HINT}` });
    }
    if (result.timedOut) {
      return err({ kind: "failed", exitCode: null, message: `docker ${args[0] ?? ""} timed out; ${stderrTail(stderr)}` });
    }
    return err({
      kind: ENGINE_DOWN.test(stderr) ? "unavailable" : "failed",
      exitCode: result.exitCode ?? null,
      message: stderrTail(stderr) || (result.shortMessage ?? `docker ${args[0] ?? ""} failed`),
    });
  }

  /** The engine's version, or why there is none. */
  async engineVersion(): Promise<Result<string, DockerFailure>> {
    const version = await this.run(["version", "--format", "{{.Server.Version}}"], { timeoutMs: 10_000 });
    if (version.ok) return version;
    return err({ ...version.error, kind: "unavailable", message: `${version.error.message}; ${SETUP_HINT}` });
  }

  async imageExists(ref: string): Promise<boolean> {
    return (await this.run(["image", "inspect", "--format", "{{.Id}}", ref], { timeoutMs: 10_000 })).ok;
  }
}

/** The last lines of docker's stderr, without the legacy builder's deprecation banner. */
export function stderrTail(stderr: string, maxLines = 15, maxChars = 2000): string {
  const lines: string[] = [];
  let banner = false;
  for (const line of stderr.split("\n")) {
    if (/^DEPRECATED: The legacy builder/.test(line)) {
      banner = true;
      continue;
    }
    // The banner's indented continuation lines end at the first blank line.
    if (banner && (line.startsWith(" ") || line.trim() === "")) continue;
    banner = false;
    if (line.trim() !== "") lines.push(line.trimEnd());
  }
  const text = lines.slice(-maxLines).join("\n");
  return text.length > maxChars ? "…" + text.slice(-maxChars) : text;
}

export function findOnPath(name: string, pathVar = process.env.PATH ?? ""): string | undefined {
  for (const dir of pathVar.split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}
