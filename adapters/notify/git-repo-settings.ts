import { execa } from "../process/lazy-execa.ts";
import { NO_SETTINGS, parseRepoSettings, REPO_SETTINGS_PATH, type RepoSettings } from "../../core/notify/repo-settings.ts";
import type { RepoSettingsSource } from "../../core/ports/notify.ts";
import type { GitPort } from "../../core/ports/git.ts";
import { err, ok, type Result } from "../../core/result.ts";
import type { RepoName } from "../../core/types.ts";

const MAX_BYTES = 64 * 1024;
const CACHE_SIZE = 200;

/**
 * Reads `.quire/config.yml` at a commit. The existence check goes through the git port's
 * long-lived cat-file process, so pushes without the file cost no extra process; results
 * are cached per commit, since a run's events all read the same one.
 */
export function gitRepoSettings(git: GitPort, gitDirOf: (repo: RepoName) => string): RepoSettingsSource {
  const cache = new Map<string, Promise<Result<RepoSettings, string>>>();
  const load = async (repo: RepoName, sha: string): Promise<Result<RepoSettings, string>> => {
    if ((await git.findFile(repo, sha, [REPO_SETTINGS_PATH])) === null) return ok(NO_SETTINGS);
    const shown = await execa("git", ["cat-file", "blob", `${sha}:${REPO_SETTINGS_PATH}`], {
      cwd: gitDirOf(repo),
      env: { GIT_DIR: gitDirOf(repo) },
      reject: false,
      maxBuffer: MAX_BYTES,
      stripFinalNewline: false,
    });
    if (shown.isMaxBuffer) return err(`${REPO_SETTINGS_PATH} is larger than ${MAX_BYTES} bytes`);
    if (shown.exitCode !== 0) return err(`${REPO_SETTINGS_PATH} could not be read at ${sha.slice(0, 12)}`);
    return parseRepoSettings(shown.stdout);
  };
  return {
    read(repo, sha) {
      const key = `${repo}@${sha}`;
      let found = cache.get(key);
      if (!found) {
        found = load(repo, sha);
        cache.set(key, found);
        if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      }
      return found;
    },
  };
}
