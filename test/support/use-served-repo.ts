import { afterAll, beforeAll } from "vitest";
import type { WorkClone } from "./git.ts";
import { quire, type ServerProcess } from "./quire-process.ts";
import { runIdsFromPush } from "./runs-api.ts";
import { serveRepo, type ServedRepo } from "./served-repo.ts";

type ServeOptions = NonNullable<Parameters<typeof serveRepo>[0]>;

export interface ServedRepoFixture {
  readonly home: string;
  readonly server: ServerProcess;
  readonly clone: WorkClone;
  /** The real CLI with this home: exit code, stdout and stderr. */
  cli(...args: string[]): Promise<{ code: number | undefined; stdout: string; stderr: string }>;
  /** Commits `files` to `work` (default: the clone) and pushes them to `branch`; the run the hook made. */
  push(branch: string, files: Record<string, string>, options?: { subject?: string; work?: WorkClone; force?: boolean }): Promise<string>;
  /** The same with `.quire/ci.ts` as the only file. */
  pushPipeline(branch: string, pipeline: string): Promise<string>;
}

/**
 * A served repo for this test file (serveRepo's temp home, `quire serve`, a repo and its
 * clone): started in beforeAll, stopped in afterAll after the file's own later hooks; the
 * home and the clone go with the file's temp dirs. Read its fields inside hooks and tests.
 * Options that need work first (free ports for the config) can come from a function.
 */
export function useServedRepo(options: ServeOptions | (() => Promise<ServeOptions>) = {}): ServedRepoFixture {
  let served: ServedRepo | undefined;
  beforeAll(async () => {
    served = await serveRepo(typeof options === "function" ? await options() : options);
  });
  afterAll(async () => {
    await served?.server.stop();
  });
  const get = (): ServedRepo => {
    if (!served) throw new Error("the served repo starts in beforeAll");
    return served;
  };
  const fixture: ServedRepoFixture = {
    get home() {
      return get().home;
    },
    get server() {
      return get().server;
    },
    get clone() {
      return get().clone;
    },
    async cli(...args) {
      const result = await quire([...args, "--home", get().home]);
      return { code: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
    },
    async push(branch, files, { subject = `change for ${branch}`, work = get().clone, force = false } = {}) {
      await work.commit(files, subject);
      const [id] = runIdsFromPush(await work.push([...(force ? ["--force"] : []), "origin", `HEAD:refs/heads/${branch}`]));
      if (!id) throw new Error(`the push to ${branch} made no run`);
      return id;
    },
    pushPipeline: (branch, pipeline) => fixture.push(branch, { ".quire/ci.ts": pipeline }, { subject: `pipeline for ${branch}`, force: true }),
  };
  return fixture;
}
