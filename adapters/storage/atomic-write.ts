import { createHash, randomBytes } from "node:crypto";
import { renameSync } from "node:fs";
import { open, rm } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { SMALL_WRITE, writeSmallDurable } from "./durable-write.ts";

/** Hidden temp names start with this; listings skip them and sweep removes them. */
export const TEMP_MARK = ".tmp-";

/** Names this machine in temp names, so a pid is only judged where it means something. */
const HOST = createHash("sha256").update(hostname()).digest("hex").slice(0, 8);
const WRITER = /^(\d+)-([0-9a-f]{8})-[0-9a-f]+$/;

/** `.<name>.tmp-<pid>-<host>-<random>`: the writer's pid lets a sweep see it died. */
export function tempPath(path: string, pid: number = process.pid): string {
  return join(dirname(path), `.${basename(path)}${TEMP_MARK}${pid}-${HOST}-${randomBytes(6).toString("hex")}`);
}

/**
 * Whether the process that wrote this temp file is gone: it was named by a process on this
 * machine whose pid no longer exists. Anything else (another host, an older name without a
 * pid, a live or reused pid, our own pid) may still be a write in flight.
 */
export function tempWriterGone(name: string): boolean {
  const writer = WRITER.exec(name.slice(name.lastIndexOf(TEMP_MARK) + TEMP_MARK.length));
  if (writer === null || writer[2] !== HOST) return false;
  const pid = Number(writer[1]);
  if (pid === process.pid || pid <= 1) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/**
 * The first half of an atomic write: a durable temp file next to `path` (written, fsynced),
 * renamed over it later by `commitTemp`, so slow writes can run outside a lock.
 */
export async function writeTemp(path: string, data: string | Uint8Array): Promise<string> {
  const temp = tempPath(path);
  if (data.length <= SMALL_WRITE / 4) {
    try {
      await writeSmallDurable(temp, data, "wx");
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    return temp;
  }
  const handle = await open(temp, "wx", 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  return temp;
}

export async function commitTemp(temp: string, path: string): Promise<void> {
  try {
    // A rename is one metadata syscall; the round trip through the thread pool cost more.
    renameSync(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Writes a file so a reader sees the old content or the new, never half: a temp file
 * in the same directory, fsync, rename over the target.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await commitTemp(await writeTemp(path, data), path);
}
