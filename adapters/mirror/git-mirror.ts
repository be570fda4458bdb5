import { execa } from "../process/lazy-execa.ts";
import type { MirrorPusher } from "../../core/ports/notify.ts";
import type { AttemptResult, MirrorTarget } from "../../core/outbox/delivery.ts";
import type { RepoName } from "../../core/types.ts";

const ZERO = /^0+$/;

export interface GitMirrorOptions {
  gitDirOf(repo: RepoName): string;
  timeoutMs: number;
}

/** `<sha>:<ref>` (with `+` when forced), or `:<ref>` to delete. */
export function refspec(target: MirrorTarget): string {
  const { update } = target;
  if (ZERO.test(update.new_sha)) return `:${update.ref}`;
  return `${target.force ? "+" : ""}${update.new_sha}:${update.ref}`;
}

/**
 * `git push <mirror> <refspec>` from the bare repo. The token reaches git only as an
 * `http.extraHeader` in GIT_CONFIG_* variables: never in argv (visible in /proc), the URL
 * or a config file. Credential helpers and prompts are off, so a refused token fails
 * instead of falling back to whatever credentials the server's user has stored.
 */
export function gitMirror(options: GitMirrorOptions): MirrorPusher {
  return {
    async push(target, token) {
      const basic = Buffer.from(`${target.username}:${token}`).toString("base64");
      const result = await execa("git", ["push", "--porcelain", target.url, refspec(target)], {
        cwd: options.gitDirOf(target.repo as RepoName),
        reject: false,
        timeout: options.timeoutMs,
        forceKillAfterDelay: 2_000,
        extendEnv: false,
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HOME: process.env.HOME ?? "/",
          LC_ALL: "C",
          GIT_DIR: options.gitDirOf(target.repo as RepoName),
          GIT_TERMINAL_PROMPT: "0",
          GIT_CONFIG_COUNT: "2",
          GIT_CONFIG_KEY_0: "http.extraHeader",
          GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
          GIT_CONFIG_KEY_1: "credential.helper",
          GIT_CONFIG_VALUE_1: "",
        },
      });
      return judgePush(target, result.exitCode, `${result.stdout}\n${result.stderr}`, result.timedOut);
    },
  };
}

function judgePush(target: MirrorTarget, exit: number | undefined, output: string, timedOut: boolean): AttemptResult {
  const what = `mirror ${target.update.ref}`;
  const text = output.replace(/\s+/g, " ").trim().slice(0, 500);
  if (timedOut) return { kind: "retry", message: `${what}: git push timed out`, timedOut: true };
  if (exit === 0) return { kind: "delivered", message: `${what}: pushed` };
  if (ZERO.test(target.update.new_sha) && /remote ref does not exist/.test(output)) {
    return { kind: "delivered", message: `${what}: already absent on the mirror` };
  }
  if (/\[rejected\]|non-fast-forward|fetch first/.test(output)) {
    return { kind: "give-up", message: `${what}: refused as not a fast-forward (set force: true to overwrite): ${text}` };
  }
  return { kind: "retry", message: `${what}: git push failed: ${text}` };
}
