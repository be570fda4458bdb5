import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Every directory `tempDir` made in this test file (vitest gives each file its own modules). */
const made = new Set<string>();

/**
 * A fresh directory under the system temp dir that removes itself: vitest's setup file
 * (test/support/temp-cleanup.ts) removes every one a test file made once that file's own
 * afterAll hooks (which stop the servers using them) have run. Benches remove theirs.
 */
export async function tempDir(prefix = "quire-test-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** Runs `work` in a fresh temp dir and removes it after, however `work` ended. */
export async function withTempDir<T>(prefix: string, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await tempDir(prefix);
  try {
    return await work(dir);
  } finally {
    await removeTempDir(dir);
  }
}

export async function removeTempDir(dir: string): Promise<void> {
  made.delete(dir);
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** Removes every temp dir made so far; one that cannot be removed is left, not a failure. */
export async function removeTempDirs(): Promise<void> {
  await Promise.all([...made].map((dir) => removeTempDir(dir).catch(() => undefined)));
}
