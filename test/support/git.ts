import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { tempDir } from "./temp-dir.ts";

/** A fixed identity, so tests need no global git config on a fresh machine. */
export const gitEnv = {
  GIT_AUTHOR_NAME: "quire test",
  GIT_AUTHOR_EMAIL: "test@quire.invalid",
  GIT_COMMITTER_NAME: "quire test",
  GIT_COMMITTER_EMAIL: "test@quire.invalid",
  GIT_CONFIG_NOSYSTEM: "1",
};

export async function git(cwd: string, args: string[]): Promise<string> {
  const result = await execa("git", args, { cwd, env: gitEnv });
  return result.stdout;
}

/** A working clone of `remote` with files committed and pushed by the helpers below. */
export class WorkClone {
  private constructor(readonly dir: string) {}

  static async of(remote: string): Promise<WorkClone> {
    const dir = join(await tempDir("quire-clone-"), "work");
    await execa("git", ["clone", "--quiet", remote, dir], { env: gitEnv });
    await git(dir, ["checkout", "--quiet", "-B", "main"]);
    return new WorkClone(dir);
  }

  /** Writes files (path → content) and commits them; returns the new sha. */
  async commit(files: Record<string, string>, message = "change"): Promise<string> {
    for (const [path, content] of Object.entries(files)) {
      const full = join(this.dir, path);
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, content);
    }
    await git(this.dir, ["add", "--all"]);
    await git(this.dir, ["commit", "--quiet", "--allow-empty", "-m", message]);
    return (await git(this.dir, ["rev-parse", "HEAD"])).trim();
  }

  /** Pushes and returns git's stderr, where the hook's `remote:` lines appear. */
  async push(args: string[] = ["origin", "main"]): Promise<string> {
    const result = await execa("git", ["push", "--quiet", ...args], { cwd: this.dir, env: gitEnv });
    return result.stderr;
  }
}
