/**
 * Whether bubblewrap is here and can make the namespaces quire needs, checked once at start
 * by running `true` in the same kind of sandbox the pipeline child gets. The answer is a
 * value: a server without a sandbox says so in one line with the fix and runs no pipeline.
 */
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { err, ok, type Result } from "../../core/result.ts";
import { pipelineSandboxArgs, type SandboxIds } from "./bwrap-args.ts";

export const INSTALL_HINT = "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap)";
const OPT_OUT = "or set `sandbox: off` in config.yml to run pipelines without isolation";

/** The bwrap binary on PATH (or in /usr/bin), undefined when there is none. */
export function findBwrap(path = process.env.PATH ?? ""): string | undefined {
  for (const dir of [...path.split(delimiter).filter((entry) => entry !== ""), "/usr/bin", "/bin"]) {
    const candidate = join(dir, "bwrap");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** ok(bwrap path), or err(one line saying what is wrong and how to fix it). */
export async function probeSandbox(ids: SandboxIds | undefined, bwrapPath = findBwrap()): Promise<Result<string, string>> {
  if (bwrapPath === undefined) return err(`no sandbox: bubblewrap (bwrap) is not installed; ${INSTALL_HINT}, ${OPT_OUT}`);
  const args = [...pipelineSandboxArgs({ nodePath: process.execPath, bundleDir: "/usr" }), "--", "true"];
  const outcome = await new Promise<{ code: number | null; stderr: string; error?: Error }>((resolve) => {
    let stderr = "";
    const child = spawn(bwrapPath, args, { stdio: ["ignore", "ignore", "pipe"], env: { PATH: "/usr/bin:/bin" }, cwd: "/", ...(ids ?? {}) });
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
