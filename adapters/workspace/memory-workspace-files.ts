import { posix } from "node:path";
import type { FileData, WorkspaceFiles } from "../../core/ports/workspaces.ts";
import { err, ok, type Result } from "../../core/result.ts";

/**
 * WorkspaceFiles in memory, for the fake runtime and core tests: one map of normalised
 * relative paths per workspace. No directories and no symlinks, so nothing can lead out.
 */
export class MemoryWorkspaceFiles implements WorkspaceFiles {
  readonly #workspaces = new Map<string, Map<string, Uint8Array>>();

  async read(workspace: string, path: string): Promise<Result<string, string>> {
    const key = keyOf(path);
    if (!key.ok) return key;
    const bytes = this.#workspaces.get(workspace)?.get(key.value);
    return bytes === undefined ? err(`${JSON.stringify(path)}: no such file in the workspace`) : ok(new TextDecoder().decode(bytes));
  }

  async write(workspace: string, path: string, data: FileData): Promise<Result<null, string>> {
    const key = keyOf(path);
    if (!key.ok) return key;
    let files = this.#workspaces.get(workspace);
    if (files === undefined) this.#workspaces.set(workspace, (files = new Map()));
    files.set(key.value, Buffer.from(data.data, data.encoding === "base64" ? "base64" : "utf8"));
    return ok(null);
  }

  /** The bytes of one file, for assertions; undefined when it was never written. */
  bytes(workspace: string, path: string): Uint8Array | undefined {
    const key = keyOf(path);
    return key.ok ? this.#workspaces.get(workspace)?.get(key.value) : undefined;
  }
}

function keyOf(path: string): Result<string, string> {
  if (typeof path !== "string" || path === "" || posix.isAbsolute(path)) return err(`${JSON.stringify(path)} must be a path relative to the workspace`);
  const key = posix.normalize(path).replace(/\/+$/, "");
  if (key === ".." || key.startsWith("../")) return err(`${JSON.stringify(path)} escapes the workspace`);
  if (key === ".") return err(`${JSON.stringify(path)} is the workspace itself, not a file`);
  return ok(key);
}
