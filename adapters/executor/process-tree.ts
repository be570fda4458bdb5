import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

/** How often a dying tree is looked at again; kills are rare, so a short poll is cheap. */
const POLL_MS = 20;
/** Where the kernel's pid counter starts again after reaching pid_max. */
const RESERVED_PIDS = 300;

/**
 * The kernel's count of forks since boot (`processes` in /proc/stat). Taken just before
 * a command starts, it bounds how far the pid counter can have moved since, which lets
 * treeMembers look only at the pids handed out after the command's own.
 */
export function forkMark(): number | undefined {
  const match = /^processes (\d+)$/m.exec(readProc("/proc/stat") ?? "");
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/**
 * Live processes of the tree a detached command started: its process group, and its
 * session, which also holds children that moved to a group of their own (`set -m`).
 * Zombies are dead already and only wait for their parent, so they do not count.
 * With `forksBefore` (a forkMark taken before the leader was spawned) only the pids
 * handed out since are read, not every process on the machine.
 */
export async function treeMembers(leader: number, forksBefore?: number): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return groupExists(leader) ? [leader] : []; // no procfs: the group is all we can see
  }
  // After the listing: every pid in it was handed out before the counter was read.
  const inWindow = forksBefore === undefined ? undefined : readPidWindow(leader, forksBefore);
  const members: number[] = [];
  await Promise.all(
    entries.map(async (entry) => {
      if (!/^\d+$/.test(entry) || (inWindow !== undefined && !inWindow(Number(entry)))) return;
      const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
      // "pid (comm) state ppid pgrp session …"; comm may hold spaces and parentheses.
      const [state, , pgrp, session] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (state === undefined || state === "Z" || state === "X") return;
      if (Number(pgrp) === leader || Number(session) === leader) members.push(Number(entry));
    }),
  );
  return members;
}

/**
 * Every process of the tree descends from the leader (a session cannot be joined, and a
 * group only from inside its session), so it got its pid after the leader's: between the
 * leader and the newest pid, wrapping once at pid_max. That holds while the counter has
 * not gone a whole lap since, which the forks made meanwhile plus the pids it had to skip
 * (at most those in use) rule out; otherwise undefined, and everything is read.
 */
function readPidWindow(leader: number, forksBefore: number): ((pid: number) => boolean) | undefined {
  const last = Number(readProc("/proc/sys/kernel/ns_last_pid"));
  const forksNow = forkMark();
  const inUse = Number(/^\S+ \S+ \S+ \d+\/(\d+) /.exec(readProc("/proc/loadavg") ?? "")?.[1]);
  const pidMax = Number(readProc("/proc/sys/kernel/pid_max"));
  if (![last, inUse, pidMax].every((n) => Number.isInteger(n) && n > 0) || forksNow === undefined) return undefined;
  return pidWindow(leader, { last, forks: forksNow - forksBefore, inUse, pidMax });
}

export interface PidCounter {
  /** The newest pid handed out (ns_last_pid), read after the listing. */
  last: number;
  /** Forks since just before the leader was spawned. */
  forks: number;
  /** Pids in use now, the most the counter may have skipped. */
  inUse: number;
  pidMax: number;
}

/** Whether a pid can belong to the leader's tree; undefined when the counter may have lapped. */
export function pidWindow(leader: number, counter: PidCounter): ((pid: number) => boolean) | undefined {
  const { last, forks, inUse, pidMax } = counter;
  if (forks + inUse >= pidMax - RESERVED_PIDS) return undefined;
  return last >= leader ? (pid) => pid >= leader && pid <= last : (pid) => pid >= leader || pid <= last;
}

/** A small procfs file, read synchronously: procfs never waits on a disk, and a thread-pool round trip per file costs more. */
function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function groupExists(leader: number): boolean {
  try {
    process.kill(-leader, 0);
    return true;
  } catch {
    return false;
  }
}

export async function signalTree(leader: number, signal: NodeJS.Signals, forksBefore?: number): Promise<void> {
  try {
    process.kill(-leader, signal);
  } catch {
    // ESRCH: the group is gone; members that left it are found below.
  }
  for (const pid of await treeMembers(leader, forksBefore)) {
    try {
      process.kill(pid, signal);
    } catch {
      // Exited between the scan and the signal.
    }
  }
}

/** Resolves true once nothing of the tree is alive, false if it still is after `ms`. */
export async function waitTreeGone(leader: number, ms: number, forksBefore?: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  for (;;) {
    if ((await treeMembers(leader, forksBefore)).length === 0) return true;
    if (performance.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
}

/** SIGTERM, a grace period to clean up, then SIGKILL for whatever is left. */
export async function killTree(leader: number, graceMs: number, forksBefore?: number): Promise<void> {
  await signalTree(leader, "SIGTERM", forksBefore);
  if (await waitTreeGone(leader, graceMs, forksBefore)) return;
  await signalTree(leader, "SIGKILL", forksBefore);
  await waitTreeGone(leader, 2_000, forksBefore);
}
