/**
 * Whether bubblewrap is here and can make the namespaces quire needs, checked once at start
 * by running `true` in the same kind of sandbox the pipeline child gets. The answer is a
 * value: a server without a sandbox says so in one line with the fix and runs no pipeline.
 */
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { err, ok, type Result } from "../../core/result.ts";
import { pipelineSandboxArgs, sandboxCommand, SETPRIV, type SandboxIds } from "./bwrap-args.ts";

export const INSTALL_HINT = "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap)";
const OPT_OUT = "or set `sandbox: off` in config.yml to run pipelines without isolation";

/** The bwrap binary on PATH (or in /usr/bin), undefined when there is none. */
export function findBwrap(path = process.env.PATH ?? ""): string | undefined {
  const dirs = [...path.split(delimiter).filter((entry) => entry !== ""), "/usr/bin", "/bin"];
  return dirs.map((dir) => join(dir, "bwrap")).find(executable);
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** ok(bwrap path), or err(one line saying what is wrong and how to fix it). */
export async function probeSandbox(ids: SandboxIds | undefined, bwrapPath = findBwrap()): Promise<Result<string, string>> {
  if (bwrapPath === undefined) return err(`no sandbox: bubblewrap (bwrap) is not installed; ${INSTALL_HINT}, ${OPT_OUT}`);
  if (ids !== undefined && !executable(SETPRIV)) return err(`no sandbox: ${SETPRIV} is missing (it drops root inside the sandbox); install util-linux, ${OPT_OUT}`);
  const { file, args } = sandboxCommand(bwrapPath, pipelineSandboxArgs({ nodePath: process.execPath, bundleDir: "/usr/bin", ids }), ids, ["/usr/bin/true"]);
  const outcome = await new Promise<{ code: number | null; stderr: string; error?: Error }>((resolve) => {
    let stderr = "";
    const child = spawn(file, args, { stdio: ["ignore", "ignore", "pipe"], env: { PATH: "/usr/bin:/bin" }, cwd: "/" });
    child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()));
    child.on("error", (error) => resolve({ code: null, stderr, error }));
    child.on("close", (code) => resolve({ code, stderr }));
  });
  if (outcome.code === 0) return ok(bwrapPath);
  if ((outcome.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") return err(`no sandbox: ${bwrapPath} is missing; ${INSTALL_HINT}, ${OPT_OUT}`);
  const why = (outcome.error?.message ?? outcome.stderr.trim().split("\n")[0] ?? "").trim() || `exit code ${outcome.code}`;
  return err(
    `no sandbox: bubblewrap cannot create namespaces here (${why}); allow unprivileged user namespaces (sysctl -w kernel.unprivileged_userns_clone=1 user.max_user_namespaces=10000, or run outside a restricted container), ${OPT_OUT}`,
  );
}
