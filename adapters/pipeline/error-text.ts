/**
 * What a job or a load failure says about an error thrown in the child: its message, Node's
 * error code (and for the permission model, what was denied), and the first stack frame in
 * the pipeline's own files. The bundle carries a source map and the child runs with
 * --enable-source-maps, so that frame names the line in `.quire/ci.ts`, not in the bundle.
 */
import { relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** The bundle entry's name; its frames are quire's, even though they map into the workspace. */
export const RUNNER_SOURCE = "quire-runner.js";

const FRAME = /\(?((?:file:\/\/)?\/[^()]*?):(\d+):(\d+)\)?$/;

/** Without a workspace (in-process fakes) there is no frame to name. */
export function errorText(thrown: unknown, workspace?: string): string {
  if (!(thrown instanceof Error)) return typeof thrown === "string" ? thrown : `threw ${typeof thrown}: ${String(thrown)}`;
  let text = thrown.message || thrown.name;
  const { code, permission, resource } = thrown as { code?: unknown; permission?: unknown; resource?: unknown };
  if (typeof code === "string" && !text.includes(code)) {
    const denied = [permission, resource].filter((part) => typeof part === "string" && part !== "").join(" ");
    text += ` (${code}${denied === "" ? "" : `: ${denied}`})`;
  }
  const where = workspace === undefined ? undefined : pipelineFrame(thrown.stack ?? "", workspace);
  return where === undefined ? text : `${text} (at ${where})`;
}

function pipelineFrame(stack: string, workspace: string): string | undefined {
  for (const line of stack.split("\n")) {
    const match = FRAME.exec(line.trim());
    if (match === null) continue;
    const [, location = "", row, column] = match;
    const path = location.startsWith("file://") ? fileURLToPath(location) : location;
    if (!path.startsWith(workspace + sep)) continue;
    const name = relative(workspace, path);
    if (name !== RUNNER_SOURCE) return `${name}:${row}:${column}`;
  }
  return undefined;
}
