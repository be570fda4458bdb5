/**
 * Descriptors the server inherited without close-on-exec (a shell's `7<>file`, a supervisor's
 * pipe) would pass to every process it starts, and through bubblewrap, which keeps what it is
 * given, into every sandbox: a pipeline could read or write whatever they are. Node marks only
 * the low ones close-on-exec at start. The server closes the rest before it starts anything.
 */
import { closeSync, readdirSync, readFileSync } from "node:fs";

/** Linux's O_CLOEXEC as /proc/<pid>/fdinfo prints it (octal `flags:`); not in fs.constants. */
const O_CLOEXEC = 0o2000000;
const FLAGS = /^flags:\s+([0-7]+)$/m;

/** Closes every descriptor above 2 that a child would inherit (but an IPC channel to a parent); returns them. */
export function closeInheritedDescriptors(): number[] {
  const channel = (process.channel as { fd?: number } | undefined)?.fd;
  let names: string[];
  try {
    names = readdirSync("/proc/self/fd");
  } catch {
    // No /proc (not Linux, or hidden): nothing to read the flags from.
    return [];
  }
  const closed: number[] = [];
  for (const name of names) {
    const fd = Number(name);
    if (fd <= 2 || fd === channel) continue;
    let flags: string | undefined;
    try {
      flags = FLAGS.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"))?.[1];
    } catch {
      // Gone since the listing (the listing's own descriptor is).
      continue;
    }
    if (flags === undefined || (Number.parseInt(flags, 8) & O_CLOEXEC) !== 0) continue;
    try {
      closeSync(fd);
      closed.push(fd);
    } catch {
      // Already closed: nothing to pass on.
    }
  }
  return closed;
}
