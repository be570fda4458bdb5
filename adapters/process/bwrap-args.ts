/**
 * The pipeline child's bubblewrap command line (nothing but what Node needs and its bundle),
 * and what it shares with a host run's (host-sandbox-args.ts): how a sandbox is started and
 * tied to the server, the setpriv that drops root inside it, and the node mount. The child gets its own pid,
 * ipc, uts and network namespaces, a fresh /proc, a private /tmp and no capabilities.
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
 * The whole command line that starts a sandbox. bwrap's --die-with-parent ties its outer
 * process to the server and the sandbox to that outer process, so a SIGKILLed server takes
 * the sandbox with it. Nothing may kill the outer process earlier: its child waits on an
 * eventfd until the outer process has set the sandbox up, and a child orphaned in that wait
 * (before it asks for its own parent-death signal) waits forever. So no `setpriv
 * --pdeathsig` around bwrap: it would end bwrap during exactly that wait (12% of servers
 * killed within 6 ms of a spawn left one behind; see sandbox-parent-death.test.ts).
 */
export function sandboxCommand(bwrapPath: string, bwrapArgs: readonly string[], ids: SandboxIds | undefined, command: readonly string[]): { file: string; args: string[] } {
  return { file: bwrapPath, args: [...bwrapArgs, "--", ...asSandboxUser(ids, command)] };
}

/** Mount points' parents are made 0755, not copied from a 0700 home the sandbox user cannot enter. */
const mountParent = (path: string): string[] => ["--dir", dirname(path)];

const roTry = (dirs: readonly string[]): string[] => dirs.flatMap((dir) => ["--ro-bind-try", dir, dir]);

/** Node outside the mounted system directories (nvm, /srv/node): its installation directory, read-only. */
export function nodeDir(nodePath: string, mounted: readonly string[] = SYSTEM_DIRS): string[] {
  if (mounted.some((dir) => nodePath.startsWith(dir + "/"))) return [];
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
