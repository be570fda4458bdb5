/**
 * bubblewrap command lines for the two sandboxes quire starts: the pipeline child (nothing
 * but what Node needs and its bundle) and a host run (the host's system directories
 * read-only, the workspace read-write). Both get their own pid, ipc, uts and (for the child,
 * or with `network: false`) network namespaces, a fresh /proc of their own pid namespace, a
 * private /tmp, no capabilities, and die with the server.
 */
import { dirname } from "node:path";

/**
 * A root server must not hand jobs root, even a namespaced one: inside `--unshare-user` the
 * sandbox's uid maps back to root outside, with owner rights on every mounted root file. So a
 * root server runs bwrap privileged (it resolves every mount source as root, including paths
 * under a 0700 home) and `setpriv` inside drops to the unprivileged ids with every capability
 * gone before the command starts. A normal user's server keeps its uid in a user namespace.
 */
export const SETPRIV = "/usr/bin/setpriv";

/** Read-only system directories; `-try` because /lib64, /lib32 and /sbin differ between distributions. */
const SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"];

/** Where a job's tools read their configuration (ssl certificates, alternatives, passwd for `id`). */
const HOST_ONLY_DIRS = ["/etc", "/opt"];

export interface SandboxIds {
  uid: number;
  gid: number;
}

function common(network: boolean, ids: SandboxIds | undefined): string[] {
  return [
    ...(ids === undefined ? ["--unshare-user", "--cap-drop", "ALL"] : []),
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    ...(network ? [] : ["--unshare-net"]),
    "--die-with-parent",
    // No controlling terminal to inject input into (TIOCSTI).
    "--new-session",
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

/** The command line that starts `command` inside the sandbox as `ids` (see SETPRIV). */
export function asSandboxUser(ids: SandboxIds | undefined, command: readonly string[]): string[] {
  if (ids === undefined) return [...command];
  return [SETPRIV, `--reuid=${ids.uid}`, `--regid=${ids.gid}`, "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--", ...command];
}

/**
 * The whole command line that starts a sandbox. bwrap's --die-with-parent ties the sandbox to
 * bwrap, not bwrap to the server: a SIGKILLed server would leave bwrap and everything in it
 * running (holding the IPC channel open, so the pipeline child never sees it go). `setpriv
 * --pdeathsig` closes that gap: bwrap gets SIGKILL the moment the server is gone.
 */
export function sandboxCommand(bwrapPath: string, bwrapArgs: readonly string[], ids: SandboxIds | undefined, command: readonly string[]): { file: string; args: string[] } {
  return { file: SETPRIV, args: ["--pdeathsig=KILL", "--", bwrapPath, ...bwrapArgs, "--", ...asSandboxUser(ids, command)] };
}

/** Mount points' parents are made 0755, not copied from a 0700 home the sandbox user cannot enter. */
const mountParent = (path: string): string[] => ["--dir", dirname(path)];

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
  ids: SandboxIds | undefined;
}

/** bwrap's arguments before the node command line of the pipeline child. */
export function pipelineSandboxArgs(input: PipelineSandbox): string[] {
  return [
    ...common(false, input.ids),
    ...roTry(SYSTEM_DIRS),
    ...nodeDir(input.nodePath),
    ...mountParent(input.bundleDir),
    "--ro-bind",
    input.bundleDir,
    input.bundleDir,
    "--chdir",
    "/tmp",
  ];
}

export interface HostSandbox {
  nodePath: string;
  workspace: string;
  network: boolean;
  /** Paths under the mounted directories that must stay unseen (the home, secret files). */
  hide: readonly string[];
  /** The helper's directory, mounted read-only. */
  helperDir: string;
  ids: SandboxIds | undefined;
}

/** bwrap's arguments before the helper's command line, for one host run. */
export function hostSandboxArgs(input: HostSandbox): string[] {
  const hidden = input.hide.flatMap((path) => ["--tmpfs", path]);
  return [
    ...common(input.network, input.ids),
    ...roTry([...SYSTEM_DIRS, ...HOST_ONLY_DIRS]),
    ...nodeDir(input.nodePath),
    ...hidden,
    ...mountParent(input.helperDir),
    "--ro-bind",
    input.helperDir,
    input.helperDir,
    ...mountParent(input.workspace),
    "--bind",
    input.workspace,
    input.workspace,
    "--chdir",
    input.workspace,
  ];
}
