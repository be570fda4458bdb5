import { mkdir, open, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { QuireError, StorageError } from "../../core/errors.ts";
import type { BoundedRead, LogOptions, LogWriter, RunFiles } from "../../core/ports/run-files.ts";
import type { Clock } from "../../core/ports/clock-ids.ts";
import type { RepoName } from "../../core/types.ts";
import { writeFileAtomic } from "../storage/atomic-write.ts";
import type { FsLayout } from "../storage/fs-layout.ts";
import { openFsLogWriter } from "./fs-log-writer.ts";
import { logSegments, relSegments, writableSegments } from "./run-paths.ts";

const asStorageError = (error: unknown, message: string): QuireError =>
  error instanceof QuireError ? error : new StorageError("run_files_failed", message, { cause: error });

/** A run that moves between states mid-call is looked up again this many times. */
const MOVE_RETRIES = 3;
/** Jobs whose log directory is remembered: far more than run at once. */
const MAX_JOB_DIRS = 256;

const isMissing = (error: unknown): boolean => {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const cause = (error as { cause?: NodeJS.ErrnoException } | undefined)?.cause?.code;
  return code === "ENOENT" || cause === "ENOENT";
};

/** Files inside `runs/<repo>/<state>/<run-id>/`, wherever the run currently is. */
export class FsRunFiles implements RunFiles {
  /** Where each recent job's logs go (see openLog); bounded, oldest forgotten first. */
  private readonly jobDirs = new Map<string, string>();

  constructor(
    private readonly layout: FsLayout,
    private readonly clock: Clock,
  ) {}

  private rememberJobDir(key: string, dir: string): void {
    this.jobDirs.delete(key);
    this.jobDirs.set(key, dir);
    if (this.jobDirs.size > MAX_JOB_DIRS) this.jobDirs.delete(this.jobDirs.keys().next().value ?? "");
  }

  async openLog(repo: RepoName, runId: string, job: string, n: number, options: LogOptions): Promise<LogWriter> {
    const segments = logSegments(job, n);
    const now = () => this.clock.now();
    // A job's next log goes where its last one went, without locating the run or making its
    // directories again; a run that moved since answers ENOENT and is looked up anew.
    const key = `${repo}\0${runId}\0${job}`;
    const known = this.jobDirs.get(key);
    if (known !== undefined) {
      try {
        return await openFsLogWriter(join(known, segments.at(-1) ?? ""), options, now);
      } catch (error) {
        this.jobDirs.delete(key);
        if (!isMissing(error)) throw asStorageError(error, `cannot open log ${segments.join("/")} of run ${runId}`);
      }
    }
    // An open log follows its run through later renames: the handle points at the inode.
    try {
      return await this.inRun(repo, runId, async (dir) => {
        await makeDirs(dir, segments.slice(0, -1));
        const writer = await openFsLogWriter(join(dir, ...segments), options, now);
        this.rememberJobDir(key, join(dir, ...segments.slice(0, -1)));
        return writer;
      });
    } catch (error) {
      throw asStorageError(error, `cannot open log ${segments.join("/")} of run ${runId}`);
    }
  }

  async writeFile(repo: RepoName, runId: string, relPath: string, content: string): Promise<void> {
    const segments = writableSegments(relPath);
    try {
      await this.inRun(repo, runId, async (dir) => {
        await makeDirs(dir, segments.slice(0, -1));
        await writeFileAtomic(join(dir, ...segments), content);
      });
    } catch (error) {
      throw asStorageError(error, `cannot write ${relPath} of run ${runId}`);
    }
  }

  async readFile(repo: RepoName, runId: string, relPath: string): Promise<string | undefined> {
    const segments = relSegments(relPath);
    try {
      return await this.inRun(repo, runId, (dir) => readFile(join(dir, ...segments), "utf8"));
    } catch (error) {
      if (isMissing(error) || (error instanceof QuireError && error.code === "run_not_found")) return undefined;
      throw asStorageError(error, `cannot read ${relPath} of run ${runId}`);
    }
  }

  async readBounded(repo: RepoName, runId: string, relPath: string, maxBytes: number): Promise<BoundedRead> {
    const segments = relSegments(relPath);
    try {
      return await this.inRun(repo, runId, async (dir): Promise<BoundedRead> => {
        // One open file: the size checked is the size read, even if the file is replaced meanwhile.
        const handle = await open(join(dir, ...segments), "r");
        try {
          const { size } = await handle.stat();
          if (size > maxBytes) return { kind: "too-large", bytes: size };
          return { kind: "text", text: await handle.readFile("utf8") };
        } finally {
          await handle.close();
        }
      });
    } catch (error) {
      if (isMissing(error) || (error instanceof QuireError && error.code === "run_not_found")) return { kind: "missing" };
      throw asStorageError(error, `cannot read ${relPath} of run ${runId}`);
    }
  }

  async listFiles(repo: RepoName, runId: string): Promise<string[]> {
    try {
      return (await this.inRun(repo, runId, (dir) => walk(dir, ""))).sort();
    } catch (error) {
      if (error instanceof QuireError && error.code === "run_not_found") return [];
      throw asStorageError(error, `cannot list files of run ${runId}`);
    }
  }

  /**
   * Runs `action` in the run's current directory. Paths below it are created one
   * level at a time, never recursively from above, so a write racing a state change
   * fails with ENOENT and is retried in the new place instead of resurrecting the
   * old directory.
   */
  private async inRun<T>(repo: RepoName, runId: string, action: (dir: string) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      const state = await this.layout.locate(repo, runId);
      if (state === undefined) throw new StorageError("run_not_found", `run ${runId} of ${repo} not found`);
      try {
        return await action(this.layout.runDir(repo, state, runId));
      } catch (error) {
        if (!isMissing(error) || attempt >= MOVE_RETRIES) throw error;
        if ((await this.layout.locate(repo, runId)) === state) throw error;
      }
    }
  }
}

async function makeDirs(root: string, segments: string[]): Promise<void> {
  let dir = root;
  for (const segment of segments) {
    dir = join(dir, segment);
    try {
      await mkdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}

/** Relative paths of visible files; temp files (hidden) are never listed. */
async function walk(dir: string, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".")) continue;
    const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) found.push(...(await walk(join(dir, entry.name), rel)));
    else if (entry.isFile()) found.push(rel);
  }
  return found;
}
