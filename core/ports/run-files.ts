/** Files of a run (logs, receipts, container.yml) and the log writer and reader. */
import type { RepoName } from "../types.ts";
import type { OutputSink } from "./exec.ts";

export interface Redactor {
  /** Replaces every secret value (and every line of a multi-line one) by `{{ name }}`. */
  redact(text: string): { text: string; count: number };
  /** The longest value it hides; streaming code keeps this much back before a split. */
  readonly maxLength: number;
  /**
   * The same redaction over byte strings: text whose every character is one byte of UTF-8
   * output (a latin1 reading of the bytes). The log path redacts bytes this way without
   * decoding them; `maxLength` is the same, in bytes.
   */
  readonly bytes: Pick<Redactor, "redact" | "maxLength">;
}

export interface LogSummary {
  bytes: number;
  lines: number;
  redactions: number;
  capped: boolean;
  /** Redacted output for the pipeline's `sh` result, cut at a capture cap. */
  stdout: string;
  stderr: string;
  truncated: boolean;
}

/** One `sh` call's log: CRI lines `<RFC3339> <stream> F <line>`, redacted, capped. */
export interface LogWriter extends OutputSink {
  /** A line from quire itself (e.g. "log cap reached"), written to stderr stream. */
  note(line: string): Promise<void>;
  close(): Promise<LogSummary>;
}

export interface LogOptions {
  redactor: Redactor;
  capBytes: number;
  captureBytes: number;
}

export type BoundedRead = { kind: "text"; text: string } | { kind: "missing" } | { kind: "too-large"; bytes: number };

/** Files inside a run's directory, wherever its state has moved it. */
export interface RunFiles {
  openLog(repo: RepoName, runId: string, job: string, n: number, options: LogOptions): Promise<LogWriter>;
  /** Atomic write of a file relative to the run dir (receipts, container.yml). */
  writeFile(repo: RepoName, runId: string, relPath: string, content: string): Promise<void>;
  readFile(repo: RepoName, runId: string, relPath: string): Promise<string | undefined>;
  /** Reads a file only when it holds at most `maxBytes`, so nothing served is built from an unbounded file. */
  readBounded(repo: RepoName, runId: string, relPath: string, maxBytes: number): Promise<BoundedRead>;
  /** Relative paths of files under the run dir (e.g. "jobs/test/sh-1.log"). */
  listFiles(repo: RepoName, runId: string): Promise<string[]>;
}

/** Streams a run file from a byte offset, for log downloads and live tails. */
export interface LogReader {
  /** undefined when the run or the file does not exist. */
  open(repo: RepoName, runId: string, relPath: string, offset: number): Promise<{ size: number; stream: ReadableStream<Uint8Array> } | undefined>;
}
