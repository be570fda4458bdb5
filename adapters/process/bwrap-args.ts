/**
 * bubblewrap command lines for the two sandboxes quire starts: the pipeline child (nothing
 * but what Node needs and its bundle) and a host run (the host's system directories
 * read-only, the workspace read-write). Both get their own pid, ipc, uts and (for the child,
 * or with `network: false`) network namespaces, a fresh /proc of their own pid namespace, a
 * private /tmp, no capabilities, and die with the server.
 */
import { dirname } from "node:path";

/** Read-only system directories; `-try` because /lib64, /lib32 and /sbin differ between distributions. */
const SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"];

/** Where a job's tools read their configuration (ssl certificates, alternatives, passwd for `id`). */
const HOST_ONLY_DIRS = ["/etc", "/opt"];

export interface SandboxIds {
  uid: number;
  gid: number;
}

function common(network: boolean): string[] {
  return [
    "--unshare-user",
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    ...(network ? [] : ["--unshare-net"]),
    "--die-with-parent",
    // No controlling terminal to inject input into (TIOCSTI).
    "--new-session",
    "--cap-drop",
    "ALL",
    "--hostname",
    "quire-sandbox",
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--tmpfs",
    "/tmp",
  ];
}

const roTry = (dirs: readonly string[]): string[] => dirs.flatMap((dir) => ["--ro-bind-try", dir, dir]);

/** Node outside /usr (nvm, /opt/node): its installation directory, read-only. */
function nodeDir(nodePath: string): string[] {
  if (SYSTEM_DIRS.some((dir) => nodePath.startsWith(dir + "/"))) return [];
  const prefix = dirname(dirname(nodePath));
  return prefix === "/" ? ["--ro-bind", nodePath, nodePath] : ["--ro-bind", prefix, prefix];
}

export interface PipelineSandbox {
  nodePath: string;
  /** Mounted read-only at the same path, so file URLs and source maps stay valid. */
  bundleDir: string;
}

/** bwrap's arguments before the node command line of the pipeline child. */
export function pipelineSandboxArgs(input: PipelineSandbox): string[] {
  return [...common(false), ...roTry(SYSTEM_DIRS), ...nodeDir(input.nodePath), "--ro-bind", input.bundleDir, input.bundleDir, "--chdir", "/tmp"];
}

export interface HostSandbox {
  nodePath: string;
  workspace: string;
  network: boolean;
  /** Paths under the mounted directories that must stay unseen (the home, secret files). */
  hide: readonly string[];
  /** The helper's directory, mounted read-only. */
  helperDir: string;
}

/** bwrap's arguments before the helper's command line, for one host run. */
export function hostSandboxArgs(input: HostSandbox): string[] {
  const hidden = input.hide.flatMap((path) => ["--tmpfs", path]);
  return [
    ...common(input.network),
    ...roTry([...SYSTEM_DIRS, ...HOST_ONLY_DIRS]),
    ...nodeDir(input.nodePath),
    ...hidden,
    "--ro-bind",
    input.helperDir,
    input.helperDir,
    "--bind",
    input.workspace,
    input.workspace,
    "--chdir",
    input.workspace,
  ];
}
