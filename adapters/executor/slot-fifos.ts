/**
 * The four FIFOs of one spawner slot (shell-slot.ts), made by the server in a directory of
 * its own that the run's sandbox sees read-only at SLOTS_MOUNT: `in` (command lines to the
 * slot's shell), `st` (its status lines), `out` and `err` (the command's output). Only the
 * FIFOs belong to the job user, never the directory, and the mount is read-only: a job can
 * open them (its shell must) but cannot remove, rename or replace them.
 *
 * The server opens each end once, read-write (a FIFO with a writer of our own never reads as
 * ended and never blocks an open), non-blocking, without following links, and keeps it for
 * the slot's life; it checks each is the very FIFO it made (same device and inode).
 */
import { execFile } from "node:child_process";
import { chmodSync, chownSync, closeSync, constants as fs, fstatSync, lstatSync, mkdirSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { JobUser } from "./host-sandbox-args.ts";

/** Where the sandbox sees the slots' directory. */
export const SLOTS_MOUNT = "/run/quire/slots";

/** Where the runs' slot directories live, beside their workspaces (slot-dir-janitor.ts reads the same layout). */
export const slotsRoot = (workspacesRoot: string): string => join(workspacesRoot, ".slots");

export const FIFO_NAMES = ["in", "st", "out", "err"] as const;
export type FifoName = (typeof FIFO_NAMES)[number];

export interface SlotFifos {
  /** The slot's number: its FIFOs are `<n>.in` … in the directory. */
  n: number;
  fds: Record<FifoName, number>;
  /** Paths as the sandbox sees them. */
  inside: Record<FifoName, string>;
}

const run = promisify(execFile);

export class SlotDir {
  #next = 1;

  constructor(
    /** Host path; mounted read-only at SLOTS_MOUNT. */
    readonly path: string,
    private readonly user: JobUser | undefined,
  ) {}

  /** A fresh directory for one run's slots: `<workspaces>/.slots/<run-id>-XXXXXX` (`.slots` made 0700 if missing). */
  static create(workspacesRoot: string, runId: string, user: JobUser | undefined): SlotDir {
    const parent = slotsRoot(workspacesRoot);
    mkdirSync(parent, { recursive: true, mode: 0o700 });
    const path = mkdtempSync(join(parent, `${runId}-`));
    // Searchable, not listable, never writable by anyone but the server.
    chmodSync(path, 0o711);
    return new SlotDir(path, user);
  }

  /** Makes and opens one slot's FIFOs; throws when anything is not what was made. */
  async make(): Promise<SlotFifos> {
    const n = this.#next++;
    const host = (name: FifoName) => join(this.path, `${n}.${name}`);
    await run("mkfifo", ["-m", "600", ...FIFO_NAMES.map(host)], { env: { PATH: "/usr/bin:/bin" } });
    const fds: Partial<Record<FifoName, number>> = {};
    try {
      for (const name of FIFO_NAMES) {
        const made = lstatSync(host(name));
        if (this.user) chownSync(host(name), this.user.uid, this.user.gid);
        const fd = openSync(host(name), fs.O_RDWR | fs.O_NONBLOCK | fs.O_NOFOLLOW);
        fds[name] = fd;
        const opened = fstatSync(fd);
        if (!opened.isFIFO() || opened.dev !== made.dev || opened.ino !== made.ino) throw new Error(`${host(name)} is not the FIFO the server made`);
      }
    } catch (error) {
      for (const fd of Object.values(fds)) closeSync(fd);
      this.remove(n);
      throw error;
    }
    const inside = Object.fromEntries(FIFO_NAMES.map((name) => [name, `${SLOTS_MOUNT}/${n}.${name}`])) as Record<FifoName, string>;
    return { n, fds: fds as Record<FifoName, number>, inside };
  }

  /** Unlinks one slot's FIFOs (their fds are the caller's to close). */
  remove(n: number): void {
    for (const name of FIFO_NAMES) rmSync(join(this.path, `${n}.${name}`), { force: true });
  }

  /** The whole directory, at the sandbox's end. */
  removeAll(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}
