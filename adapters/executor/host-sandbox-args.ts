/**
 * The bubblewrap command line of one host run: the host's system directories read-only (so
 * host tools work), the workspace read-write at its own path, the slots' FIFO directory
 * read-only, a private /tmp, its own /proc, pid, ipc and uts namespaces (and network with
 * `network: false`), and death with the server. The first process is the spawner shell
 * (spawner-shell.ts), as the job user with no capabilities. What is not mounted is not
 * there: no home directories, no /var/run (no docker socket), no /root.
 */
import { dirname, sep } from "node:path";
import { asSandboxUser, nodeDir, type SandboxIds } from "../process/bwrap-args.ts";
import { SLOTS_MOUNT } from "./slot-fifos.ts";

/** Where tools live; `-try` because /lib64, /lib32 and /sbin differ between distributions. */
export const HOST_SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32", "/etc", "/opt"];

/** Who jobs run as when the server is root: the same ids the pipeline sandbox drops to. */
export type JobUser = SandboxIds;

export interface HostSandboxArgsInput {
  /** Node's own directory is mounted when it lies outside the system directories, so jobs can run `node`. */
  nodePath: string;
  /** The server's directory of slot FIFOs (slot-fifos.ts), seen read-only at SLOTS_MOUNT. */
  slotsDir: string;
  /** Real path; mounted read-write at the same path. */
  workspace: string;
  network: boolean;
  /** Set when the server is root: setpriv drops to this user before the spawner starts. */
  user: JobUser | undefined;
  /** Paths under the mounted directories that must stay unseen (the quire home, secret files): real paths, with their kind. */
  hide: readonly { path: string; directory: boolean }[];
}

const within = (dir: string, path: string): boolean => path === dir || path.startsWith(dir === sep ? dir : dir + sep);

/** bwrap's arguments, the spawner's command line included. */
export function hostSandboxArgs(input: HostSandboxArgsInput): string[] {
  const node = nodeDir(input.nodePath, HOST_SYSTEM_DIRS);
  const mounted = node[1] === undefined ? HOST_SYSTEM_DIRS : [...HOST_SYSTEM_DIRS, node[1]];
  const hide = input.hide
    .filter((entry) => mounted.some((dir) => within(dir, entry.path) && entry.path !== dir))
    .flatMap((entry) => (entry.directory ? ["--tmpfs", entry.path] : ["--ro-bind", "/dev/null", entry.path]));
  const identity = input.user
    ? // Root outside: no user namespace (its uid 0 would be the host's root); setpriv gives up
      // uid, groups and every capability before the spawner starts (see SETPRIV).
      []
    : // Anyone else keeps their uid inside a user namespace of their own, and cannot make more.
      ["--unshare-user", "--disable-userns", "--cap-drop", "ALL"];
  return [
    ...identity,
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    ...(input.network ? ["--ro-bind-try", "/run/systemd/resolve", "/run/systemd/resolve"] : ["--unshare-net"]),
    "--die-with-parent",
    // No controlling terminal to push input into (TIOCSTI).
    "--new-session",
    "--hostname",
    "quire-run",
    ...HOST_SYSTEM_DIRS.flatMap((dir) => ["--ro-bind-try", dir, dir]),
    ...node,
    ...hide,
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    // Sticky and world-writable, as /tmp is: bwrap's default 0755 root-owned tmpfs shuts out the job user.
    "--perms",
    "1777",
    "--tmpfs",
    "/tmp",
    "--dir",
    dirname(SLOTS_MOUNT),
    "--ro-bind",
    input.slotsDir,
    SLOTS_MOUNT,
    // The workspace's parents are made 0755: copied from a 0700 home, the job user could not reach it.
    "--dir",
    dirname(input.workspace),
    "--bind",
    input.workspace,
    input.workspace,
    // Commands get their cwd from their line.
    "--chdir",
    "/",
    "--",
    // Reads the server's requests on its stdin.
    ...asSandboxUser(input.user, ["/bin/sh"]),
  ];
}
