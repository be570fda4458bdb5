import { readdir, readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

/** How often a dying tree is looked at again; kills are rare, so a short poll is cheap. */
const POLL_MS = 20;

/**
 * Live processes of the tree a detached command started: its process group, and its
 * session, which also holds children that moved to a group of their own (`set -m`).
 * Zombies are dead already and only wait for their parent, so they do not count.
 */
export async function treeMembers(leader: number): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return groupExists(leader) ? [leader] : []; // no procfs: the group is all we can see
  }
  const members: number[] = [];
  await Promise.all(
    entries.map(async (entry) => {
      if (!/^\d+$/.test(entry)) return;
      const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
      // "pid (comm) state ppid pgrp session …"; comm may hold spaces and parentheses.
      const [state, , pgrp, session] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (state === undefined || state === "Z" || state === "X") return;
      if (Number(pgrp) === leader || Number(session) === leader) members.push(Number(entry));
    }),
  );
  return members;
}

function groupExists(leader: number): boolean {
  try {
    process.kill(-leader, 0);
    return true;
  } catch {
    return false;
  }
}

export async function signalTree(leader: number, signal: NodeJS.Signals): Promise<void> {
  try {
    process.kill(-leader, signal);
  } catch {
    // ESRCH: the group is gone; members that left it are found below.
  }
  for (const pid of await treeMembers(leader)) {
    try {
      process.kill(pid, signal);
    } catch {
      // Exited between the scan and the signal.
    }
  }
}

/** Resolves true once nothing of the tree is alive, false if it still is after `ms`. */
export async function waitTreeGone(leader: number, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  for (;;) {
    if ((await treeMembers(leader)).length === 0) return true;
    if (performance.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
}

/** SIGTERM, a grace period to clean up, then SIGKILL for whatever is left. */
export async function killTree(leader: number, graceMs: number): Promise<void> {
  await signalTree(leader, "SIGTERM");
  if (await waitTreeGone(leader, graceMs)) return;
  await signalTree(leader, "SIGKILL");
  await waitTreeGone(leader, 2_000);
}
