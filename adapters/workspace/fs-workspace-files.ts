/**
 * WorkspaceFiles on disk: pipeline code's readFile and writeFile, run by the server with its
 * own file access. Jobs (host or docker) may change the workspace at the same moment, so a
 * path check alone would not do: a directory swapped for a symlink between the check and the
 * open would take the write anywhere. So every opened descriptor is checked through
 * /proc/self/fd (where it really is), and what gets created is created below an already
 * checked directory descriptor without following symlinks. Linux only, like the sandbox.
 */
import { constants, lstat, mkdir, open, readlink, realpath, type FileHandle } from "node:fs/promises";
import { basename, dirname, isAbsolute, resolve, sep } from "node:path";
import { StorageError } from "../../core/errors.ts";
import type { FileData, WorkspaceFiles } from "../../core/ports/workspaces.ts";
import { err, ok, type Result } from "../../core/result.ts";

const { O_RDONLY, O_WRONLY, O_CREAT, O_NOFOLLOW, O_NONBLOCK, O_DIRECTORY } = constants;

export interface FsWorkspaceFilesOptions {
  /** Largest file readFile returns; it crosses IPC as one message. Default 64 MiB. */
  maxReadBytes?: number;
}

export class FsWorkspaceFiles implements WorkspaceFiles {
  readonly #maxReadBytes: number;

  constructor(options: FsWorkspaceFilesOptions = {}) {
    this.#maxReadBytes = options.maxReadBytes ?? 64 * 1024 * 1024;
  }

  async read(workspace: string, path: string): Promise<Result<string, string>> {
    const root = await rootOf(workspace);
    return expected(path, "read", async () => {
      const target = resolveRelative(root, path);
      if (!target.ok) return target;
      const real = await realpath(target.value);
      if (!isWithin(root, real)) return err(outside(path));
      // O_NONBLOCK: a FIFO left in the workspace must not hang the server in open().
      const handle = await open(real, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
      try {
        if (!isWithin(root, await whereIs(handle))) return err(outside(path));
        if (!(await handle.stat()).isFile()) return err(`${quote(path)} is not a file`);
        const bytes = await readCapped(handle, this.#maxReadBytes);
        if (bytes === undefined) return err(`${quote(path)} is larger than ${this.#maxReadBytes} bytes; read it with sh`);
        return ok(bytes.toString("utf8"));
      } finally {
        await handle.close();
      }
    });
  }

  async write(workspace: string, path: string, data: FileData): Promise<Result<null, string>> {
    const root = await rootOf(workspace);
    return expected(path, "write", async () => {
      const target = resolveRelative(root, path);
      if (!target.ok) return target;
      if (target.value === root) return err(`${quote(path)} is the workspace itself, not a file`);
      const place = await placeOf(root, target.value);
      if (place === undefined) return err(outside(path));
      let dir = await open(place.dir, O_RDONLY | O_DIRECTORY);
      try {
        if (!isWithin(root, await whereIs(dir))) return err(outside(path));
        for (const part of place.missing) {
          const next = below(dir, part);
          await mkdir(next).catch((error: NodeJS.ErrnoException) => (error.code === "EEXIST" ? undefined : Promise.reject(error)));
          const opened = await open(next, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
          await dir.close();
          dir = opened;
        }
        const file = await open(below(dir, place.name), O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK, 0o666);
        try {
          if (!(await file.stat()).isFile()) return err(`${quote(path)} is not a regular file`);
          await file.truncate(0);
          await file.writeFile(bytesOf(data));
        } finally {
          await file.close();
        }
        return ok(null);
      } finally {
        await dir.close();
      }
    });
  }
}

/** The workspace vanishing under a running job is the server's failure, not the job's. */
async function rootOf(workspace: string): Promise<string> {
  try {
    return await realpath(workspace);
  } catch (error) {
    throw new StorageError("workspace_missing", `workspace ${workspace} is gone: ${(error as Error).message}`, { cause: error });
  }
}

function resolveRelative(root: string, path: string): Result<string, string> {
  if (typeof path !== "string" || path === "" || isAbsolute(path)) return err(`${quote(path)} must be a path relative to the workspace`);
  const target = resolve(root, path);
  return isWithin(root, target) ? ok(target) : err(`${quote(path)} escapes the workspace`);
}

/**
 * Where a write lands: the deepest existing directory on the way (symlinks resolved, so it
 * must be inside the root), the directories still to create below it, and the file's name.
 */
async function placeOf(root: string, target: string): Promise<{ dir: string; missing: string[]; name: string } | undefined> {
  const missing: string[] = [];
  let current = target;
  while (!(await exists(current))) {
    missing.unshift(basename(current));
    current = dirname(current);
  }
  // A dangling symlink has no realpath, and writing through it would create its target.
  const real = await realpath(current).catch(() => undefined);
  if (real === undefined || !isWithin(root, real)) return undefined;
  const name = missing.pop();
  return name === undefined ? { dir: dirname(real), missing, name: basename(real) } : { dir: real, missing, name };
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    (error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? false : Promise.reject(error)),
  );
}

/** Where an open descriptor really is, whatever was renamed or relinked since the open. */
function whereIs(handle: FileHandle): Promise<string> {
  return readlink(`/proc/self/fd/${handle.fd}`);
}

/** `name` inside the directory `dir` holds open: openat(2) by way of /proc. */
function below(dir: FileHandle, name: string): string {
  return `/proc/self/fd/${dir.fd}/${name}`;
}

/** Stops at the cap even when the file keeps growing while it is read. */
async function readCapped(handle: FileHandle, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(64 * 1024);
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) return Buffer.concat(chunks, total);
    total += bytesRead;
    if (total > maxBytes) return undefined;
    chunks.push(chunk.subarray(0, bytesRead));
  }
}

function bytesOf(data: FileData): Buffer {
  return Buffer.from(data.data, data.encoding === "base64" ? "base64" : "utf8");
}

// What a job can bring about in its own workspace; anything else means the disk broke.
const JOB_ERRORS: Record<string, string> = {
  ENOENT: "no such file in the workspace",
  ENOTDIR: "a parent of it is not a directory",
  EISDIR: "it is a directory",
  EACCES: "permission denied",
  EPERM: "permission denied",
  ELOOP: "it passes through a symlink quire does not follow there",
  ENAMETOOLONG: "the name is too long",
  ENXIO: "it is not a regular file",
};

async function expected<T>(path: string, what: string, work: () => Promise<Result<T, string>>): Promise<Result<T, string>> {
  try {
    return await work();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === undefined ? undefined : JOB_ERRORS[code];
    if (reason !== undefined) return err(`${quote(path)}: ${reason}`);
    throw new StorageError("workspace_file_failed", `could not ${what} workspace file ${quote(path)}: ${(error as Error).message}`, { cause: error });
  }
}

const outside = (path: string): string => `${quote(path)} leads outside the workspace`;
const quote = (path: unknown): string => JSON.stringify(path) ?? String(path);

function isWithin(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}
