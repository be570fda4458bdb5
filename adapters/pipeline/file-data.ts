/**
 * What the SDK's `writeFile(path, data)` sends to the server: JSON carries no Uint8Array, so
 * bytes travel base64-encoded and text as is. Runs in the child and in the fake runtime.
 */
import type { FileData } from "../../core/ports/workspaces.ts";

export function fileDataOf(data: unknown): FileData {
  if (typeof data === "string") return { encoding: "utf8", data };
  if (data instanceof Uint8Array) return { encoding: "base64", data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64") };
  throw new TypeError(`writeFile: data must be a string or a Uint8Array, got ${data === null ? "null" : typeof data}`);
}

export function filePathOf(path: unknown, what: "readFile" | "writeFile"): string {
  if (typeof path !== "string") throw new TypeError(`${what}: the path must be a string, got ${path === null ? "null" : typeof path}`);
  return path;
}
