/**
 * The bubblewrap command line of one host run: the host's system directories read-only (so
 * host tools work), the workspace read-write at its own path, a private /tmp, its own /proc,
 * pid, ipc and uts namespaces (and network with `network: false`), no capabilities beyond
 * what the helper needs to drop to the job user, and death with the server. What is not
 * mounted is not there: no home directories, no /var/run (no docker socket), no /root.
 */
import { dirname, sep } from "node:path";
import { nodeDir, type SandboxIds } from "../process/bwrap-args.ts";

/** Where tools live; `-try` because /lib64, /lib32 and /sbin differ between distributions. */
export const HOST_SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32", "/etc", "/opt"];

/** Who jobs run as when the server is root: the same ids the pipeline sandbox drops to. */
export type JobUser = SandboxIds;

/** Where the helper script is mounted; `.mjs` because no package.json up there says "module". */
export const HELPER_MOUNT = "/run/quire/host-helper.mjs";

export interface HostSandboxArgsInput {
  nodePath: string;
  helperFile: string;
  /** Real path; mounted read-write at the same path. */
  workspace: string;
  network: boolean;
  /** Set when the server is root: the helper starts as root and drops to this user. */
  user: JobUser | undefined;
  /** Paths under the mounted directories that must stay unseen (the quire home, secret files): real paths, with their kind. */
  hide: readonly { path: string; directory: boolean }[];
}

const within = (dir: string, path: string): boolean => path === dir || path.startsWith(dir === sep ? dir : dir + sep);

/** bwrap's arguments, the helper's command line included. */
export function hostSandboxArgs(input: HostSandboxArgsInput): string[] {
  const node = nodeDir(input.nodePath, HOST_SYSTEM_DIRS);
  const mounted = node[1] === undefined ? HOST_SYSTEM_DIRS : [...HOST_SYSTEM_DIRS, node[1]];
  const hide = input.hide
    .filter((entry) => mounted.some((dir) => within(dir, entry.path) && entry.path !== dir))
    .flatMap((entry) => (entry.directory ? ["--tmpfs", entry.path] : ["--ro-bind", "/dev/null", entry.path]));
  const identity = input.user
    ? // Root outside: no user namespace (its uid 0 would be the host's root), but two
      // capabilities, which the helper gives up with its uid before it runs anything.
      ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
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
    "--ro-bind",
    input.helperFile,
    HELPER_MOUNT,
    // The workspace's parents are made 0755: copied from a 0700 home, the job user could not reach it.
    "--dir",
    dirname(input.workspace),
    "--bind",
    input.workspace,
    input.workspace,
    // Root without CAP_DAC_OVERRIDE cannot enter the job user's 0700 workspace; commands get their cwd from the helper.
    "--chdir",
    "/",
    "--",
    input.nodePath,
    HELPER_MOUNT,
    ...(input.user ? ["--uid", String(input.user.uid), "--gid", String(input.user.gid)] : []),
  ];
}
