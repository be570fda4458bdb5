import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { WorkClone } from "./git.ts";
import { quire, startServer, tempHome, type ServerProcess } from "./quire-process.ts";

export interface ServedRepo {
  home: string;
  server: ServerProcess;
  clone: WorkClone;
}

/**
 * What end-to-end suites start from: a temp home with its config.yml, `quire serve` on it,
 * a repo made with the real CLI (hook installed) and a working clone of it. A failed step
 * stops the server it started.
 */
export async function serveRepo(
  options: { repo?: string; config?: string; homePrefix?: string; serveArgs?: string[] } = {},
): Promise<ServedRepo> {
  const repo = options.repo ?? "demo.git";
  const home = await tempHome(options.homePrefix);
  await writeFile(join(home, "config.yml"), options.config ?? "");
  const server = await startServer(home, options.serveArgs);
  try {
    const made = await quire(["repo", "new", repo, "--home", home]);
    if (made.exitCode !== 0) throw new Error(`quire repo new ${repo} failed: ${made.stderr}`);
    return { home, server, clone: await WorkClone.of(join(home, "repos", repo)) };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
