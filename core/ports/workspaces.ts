/** Per-run workspaces and the files pipeline code reads and writes in them. */
import type { Result } from "../result.ts";
import type { RepoName } from "../types.ts";

export interface Workspaces {
  /** `git archive <sha> | tar -x` into a fresh directory for this run. */
  materialize(repo: RepoName, sha: string, runId: string): Promise<Result<string, { message: string }>>;
  remove(runId: string): Promise<void>;
}

/**
 * File content as it crosses IPC: UTF-8 text as is, any other bytes base64-encoded
 * (JSON, the IPC serialisation, cannot carry a Uint8Array).
 */
export type FileData = { encoding: "utf8"; data: string } | { encoding: "base64"; data: string };

/**
 * The files of a run's workspace as pipeline code sees them (`readFile`, `writeFile`). The
 * sandboxed child has no file access of its own, so these run in the server and must stay
 * inside the workspace, symlinks included. Paths are workspace-relative.
 */
export interface WorkspaceFiles {
  /** UTF-8 content; err says why not (missing, not a file, outside the workspace, too big). */
  read(workspace: string, path: string): Promise<Result<string, string>>;
  /** Creates or replaces the file, creating parent directories. */
  write(workspace: string, path: string, data: FileData): Promise<Result<null, string>>;
}
