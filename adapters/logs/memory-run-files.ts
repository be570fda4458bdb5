import { StorageError } from "../../core/errors.ts";
import type { BoundedRead, LogOptions, LogWriter, RunFiles } from "../../core/ports/run-files.ts";
import type { Clock } from "../../core/ports/clock-ids.ts";
import type { RunStore } from "../../core/ports/storage.ts";
import type { RepoName } from "../../core/types.ts";
import { CriLogWriter, type LogSink } from "./cri-log-writer.ts";
import { logSegments, relSegments, writableSegments } from "./run-paths.ts";

/** A log kept as byte pieces; readers see what has been appended so far. */
class MemoryLogSink implements LogSink {
  private readonly parts: Uint8Array[] = [];
  private closed = false;

  async append(data: Uint8Array): Promise<void> {
    if (this.closed) throw new StorageError("log_closed", "log is closed");
    this.parts.push(data);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  text(): string {
    return Buffer.concat(this.parts).toString("utf8");
  }
}

type Entry = string | MemoryLogSink;

/** Run files in memory, for fast tests; same contract as FsRunFiles. */
export class MemoryRunFiles implements RunFiles {
  private readonly files = new Map<string, Map<string, Entry>>();

  /** `runs` says which runs exist, as the fs layout does for FsRunFiles. */
  constructor(
    private readonly runs: Pick<RunStore, "getRun">,
    private readonly clock: Clock,
  ) {}

  async openLog(repo: RepoName, runId: string, job: string, n: number, options: LogOptions): Promise<LogWriter> {
    const path = logSegments(job, n).join("/");
    const files = await this.runFiles(repo, runId);
    if (files.has(path)) throw new StorageError("log_open_failed", `log ${path} of run ${runId} exists`);
    const sink = new MemoryLogSink();
    files.set(path, sink);
    return new CriLogWriter(sink, options, () => this.clock.now());
  }

  async writeFile(repo: RepoName, runId: string, relPath: string, content: string): Promise<void> {
    const path = writableSegments(relPath).join("/");
    const files = await this.runFiles(repo, runId);
    if ([...files.keys()].some((existing) => existing.startsWith(`${path}/`) || path.startsWith(`${existing}/`))) {
      throw new StorageError("run_files_failed", `${relPath} of run ${runId} clashes with a file or directory`);
    }
    files.set(path, content);
  }

  async readFile(repo: RepoName, runId: string, relPath: string): Promise<string | undefined> {
    const path = relSegments(relPath).join("/");
    const entry = this.files.get(key(repo, runId))?.get(path);
    return typeof entry === "string" ? entry : entry?.text();
  }

  async readBounded(repo: RepoName, runId: string, relPath: string, maxBytes: number): Promise<BoundedRead> {
    const text = await this.readFile(repo, runId, relPath);
    if (text === undefined) return { kind: "missing" };
    const bytes = Buffer.byteLength(text);
    return bytes > maxBytes ? { kind: "too-large", bytes } : { kind: "text", text };
  }

  async listFiles(repo: RepoName, runId: string): Promise<string[]> {
    return [...(this.files.get(key(repo, runId))?.keys() ?? [])].sort();
  }

  private async runFiles(repo: RepoName, runId: string): Promise<Map<string, Entry>> {
    if (!(await this.runs.getRun(repo, runId))) {
      throw new StorageError("run_not_found", `run ${runId} of ${repo} not found`);
    }
    const k = key(repo, runId);
    let files = this.files.get(k);
    if (!files) {
      files = new Map();
      this.files.set(k, files);
    }
    return files;
  }
}

const key = (repo: RepoName, runId: string): string => `${repo}\u0000${runId}`;
