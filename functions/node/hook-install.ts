import { chmod, chown, lstat, mkdir, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { execa } from "../../adapters/process/lazy-execa.ts";
import { writeTemp } from "../../adapters/storage/atomic-write.ts";
import { GitError } from "../../core/errors.ts";
import { err, ok, type Result } from "../../core/result.ts";
import { readHookScript } from "./hook-script.ts";

/** Where quire's hook goes in one repo, and where the hook it displaces is kept. */
export interface HookPlacement {
  hooksDir: string;
  hook: string;
  previous: string | null;
  /** `post-receive.d/` next to a dispatcher: quire adds a file and touches nothing else. */
  layout: "post-receive" | "post-receive.d";
}

export type HookProblem = { code: "hook_conflict" | "not_quire_hook"; message: string };

/** The suffix the displaced hook gets; git only ever runs `post-receive` itself. */
export const PREVIOUS_SUFFIX = ".before-quire";

/** Runs git on a repo quire did not make: `safe.directory` because its owner is often someone else. */
export async function gitOn(gitDir: string, args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  try {
    const result = await execa("git", ["-c", `safe.directory=${gitDir}`, "--git-dir", gitDir, ...args], { reject: false });
    return { exitCode: result.exitCode ?? 1, stdout: result.stdout, stderr: result.stderr };
  } catch (cause) {
    throw new GitError("git_spawn_failed", "cannot run git", { cause });
  }
}

/** The repo's hooks directory: `core.hooksPath` when set (relative to the git dir, as git reads it), else `hooks/`. */
export async function hooksDirOf(gitDir: string): Promise<string> {
  const configured = await gitOn(gitDir, ["config", "--type=path", "--get", "core.hooksPath"]);
  const path = configured.exitCode === 0 ? configured.stdout.trim() : "";
  return path === "" ? join(gitDir, "hooks") : resolve(gitDir, path);
}

export async function planHook(gitDir: string): Promise<Result<HookPlacement, HookProblem>> {
  const hooksDir = await hooksDirOf(gitDir);
  const dispatcher = join(hooksDir, "post-receive");
  const dropIns = join(hooksDir, "post-receive.d");
  if ((await kind(dispatcher)) !== "missing" && (await kind(dropIns)) === "dir") {
    const hook = join(dropIns, "quire");
    if ((await kind(hook)) !== "missing") return conflict(hook, "already exists");
    return ok({ hooksDir, hook, previous: null, layout: "post-receive.d" });
  }
  const existing = await kind(dispatcher);
  if (existing === "missing") return ok({ hooksDir, hook: dispatcher, previous: null, layout: "post-receive" });
  if (existing === "file") {
    const facts = readHookScript(await readFile(dispatcher, "utf8"));
    if (facts) return conflict(dispatcher, `already runs quire (repo ${facts.repo}, home ${facts.home}); is the hooks dir shared with another repo?`);
  }
  const previous = dispatcher + PREVIOUS_SUFFIX;
  if ((await kind(previous)) !== "missing") return conflict(previous, "already exists (left by an earlier install?); move it away first");
  return ok({ hooksDir, hook: dispatcher, previous, layout: "post-receive" });
}

/**
 * Moves the existing hook aside (a rename keeps its bytes, mode, owner and symlink-ness)
 * and puts quire's in its place atomically. The new file belongs to whoever owns the hooks
 * directory, so the hosting user can still manage its hooks.
 */
export async function installHookAt(placement: HookPlacement, script: string): Promise<void> {
  const dir = dirname(placement.hook);
  await mkdir(dir, { recursive: true });
  const temp = await writeTemp(placement.hook, script);
  try {
    await chownLike(temp, placement.hooksDir);
    await chmod(temp, 0o755);
    if (placement.previous !== null) await rename(placement.hook, placement.previous);
    await rename(temp, placement.hook);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Rewrites quire's hook in place (same path, same owner), e.g. after node or quire moved. */
export async function rewriteHook(hook: string, script: string): Promise<void> {
  const temp = await writeTemp(hook, script);
  try {
    await chownLike(temp, hook);
    await chmod(temp, 0o755);
    await rename(temp, hook);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Takes quire's hook out and renames the previous one back: byte for byte what was there. */
export async function uninstallHook(hook: string, previous: string | null): Promise<Result<void, HookProblem>> {
  const current = await kind(hook);
  if (current !== "missing") {
    const text = current === "file" ? await readFile(hook, "utf8") : "";
    if (!readHookScript(text)) {
      return err({ code: "not_quire_hook", message: `${hook} is no longer quire's hook; left it and ${previous ?? "the registry entry"} alone` });
    }
  }
  if (previous !== null && (await kind(previous)) !== "missing") await rename(previous, hook);
  else await rm(hook, { force: true });
  return ok(undefined);
}

async function chownLike(path: string, like: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const owner = await stat(like);
  await chown(path, owner.uid, owner.gid);
}

function conflict(path: string, why: string): Result<never, HookProblem> {
  return err({ code: "hook_conflict", message: `${path} ${why}` });
}

export async function kind(path: string): Promise<"missing" | "dir" | "file" | "other"> {
  try {
    const info = await lstat(path);
    if (info.isDirectory()) return "dir";
    if (info.isFile()) return "file";
    // A symlink (gitolite links its common hooks) counts as a hook that is there.
    return info.isSymbolicLink() ? (await stat(path).then((s) => (s.isDirectory() ? "dir" : "file"), () => "other")) : "other";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw error;
  }
}
