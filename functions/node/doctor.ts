import { access, constants } from "node:fs/promises";
import { execa } from "../../adapters/process/lazy-execa.ts";
import { readRegistry } from "../../adapters/git/repo-registry-file.ts";
import type { SandboxIds } from "../../adapters/process/bwrap-args.ts";
import { EXEC_MUX_FILE } from "../../adapters/package/package-files.ts";
import { probeSandbox } from "../../adapters/process/sandbox-probe.ts";
import { sandboxIds } from "../../adapters/process/sandbox-identity.ts";
import { QuireError } from "../../core/errors.ts";
import { loadConfig, parseConfig, type QuireConfig } from "./config.ts";
import { checkHome, type Problem } from "./doctor-home.ts";
import { readServerUrl, type Home } from "./home.ts";
import { SANDBOX_OFF_WARNING } from "./sandbox-setup.ts";
import { hookHealth, servedRepos } from "./served-repos.ts";

export interface DoctorReport {
  problems: Problem[];
  /** What was looked at, for the all-clear line. */
  checked: string[];
}

/** `quire doctor`: every check runs; each problem comes with the command that fixes it. */
export async function diagnose(home: Home): Promise<DoctorReport> {
  const { config, problems: configProblems } = await checkConfig(home);
  const repos = await servedRepos(home);
  const registry = await readRegistry(home.registry);
  const problems = [
    ...configProblems,
    ...(await checkServer(home)),
    ...(await checkHome(home, registry.repos, config.hook_group)),
    ...(await checkRepos(home, repos)),
    ...(await checkSandbox(config)),
    ...(config.executor === "docker" ? [...(await checkDocker()), ...(await checkExecMux(EXEC_MUX_FILE))] : []),
  ];
  const checked = ["server", "home", `${repos.length} repo hook${repos.length === 1 ? "" : "s"}`, "bubblewrap"];
  return { problems, checked: config.executor === "docker" ? [...checked, "docker"] : checked };
}

/** A config.yml the server would refuse is one problem; the other checks go on with the defaults. */
async function checkConfig(home: Home): Promise<{ config: QuireConfig; problems: Problem[] }> {
  try {
    return { config: await loadConfig(home.config), problems: [] };
  } catch (error) {
    if (!(error instanceof QuireError)) throw error;
    const fix = `edit ${home.config} (see "Configuration" in the README); the other checks used the defaults`;
    return { config: parseConfig(""), problems: [{ what: `quire serve would refuse to start: ${error.message}`, fix }] };
  }
}

async function checkServer(home: Home): Promise<Problem[]> {
  const start = { fix: `quire serve --home ${home.root}` };
  const url = await readServerUrl(home);
  if (!url) return [{ what: `no server is running for ${home.root} (no server.url): pushes get no CI`, ...start }];
  try {
    const response = await fetch(new URL("health", url.endsWith("/") ? url : `${url}/`), { signal: AbortSignal.timeout(3000) });
    if (response.ok) return [];
    return [{ what: `the server at ${url} answers /health with ${response.status}`, fix: "see its log; restart it if it persists" }];
  } catch (error) {
    const why = (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message;
    return [{ what: `the server at ${url} does not answer (${why}); server.url is left from a server that is gone`, ...start }];
  }
}

async function checkRepos(home: Home, repos: Awaited<ReturnType<typeof servedRepos>>): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const repo of repos) {
    const health = await hookHealth(home, repo);
    if (!health.ok) problems.push({ what: `repo ${repo.name}: ${health.problem}`, fix: health.fix });
  }
  return problems;
}

/** The probe `quire serve` starts with, so doctor and the server cannot disagree about the sandbox. */
async function checkSandbox(config: QuireConfig): Promise<Problem[]> {
  const off: Problem[] =
    config.sandbox === "off" ? [{ what: SANDBOX_OFF_WARNING, fix: "remove `sandbox: off` from config.yml once bubblewrap works here" }] : [];
  let ids: SandboxIds | undefined;
  try {
    ids = sandboxIds(config.host.user);
  } catch (error) {
    if (!(error instanceof QuireError)) throw error;
    return [...off, { what: error.message, fix: "name an unprivileged user in host.user of config.yml" }];
  }
  const probed = await probeSandbox(ids);
  if (probed.ok) return off;
  // The probe's line is "what; fix".
  const split = probed.error.indexOf("; ");
  const problem = split === -1 ? { what: probed.error, fix: "see README: What a pipeline can reach" } : { what: probed.error.slice(0, split), fix: probed.error.slice(split + 2) };
  return [...off, problem];
}

async function checkDocker(): Promise<Problem[]> {
  const probe = await execa("docker", ["version", "--format", "{{.Server.Version}}"], { reject: false, timeout: 10_000 });
  if (probe.exitCode === 0) return [];
  if ((probe as { code?: string }).code === "ENOENT") {
    return [{ what: "executor is docker but the docker CLI is not installed", fix: "apt-get install docker.io (or set executor: host in config.yml)" }];
  }
  const why = probe.stderr.trim().split("\n")[0] ?? `exit ${probe.exitCode}`;
  return [{ what: `executor is docker but the engine does not answer (${why})`, fix: "start it: systemctl start docker (or bash scripts/setup-docker.sh)" }];
}

/**
 * The build compiles exec-mux only where a C compiler is; without it docker runs still work
 * but a job's stderr lines can land out of order with its stdout, which is worth a line.
 */
export async function checkExecMux(path: string): Promise<Problem[]> {
  const found = await access(path, constants.X_OK).then(() => true, () => false);
  if (found) return [];
  return [
    {
      what: `${path} is missing (the build had no C compiler): docker runs may show stderr lines out of order with stdout`,
      fix: "apt-get install gcc libc6-dev, then npm run build",
    },
  ];
}
