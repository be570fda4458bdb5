import { realpath, stat } from "node:fs/promises";

/**
 * The real paths of what a run's sandbox must cover up, each with its kind (a directory gets
 * an empty tmpfs over it, a file /dev/null). What does not exist has nothing to hide.
 */
export async function hiddenPaths(paths: readonly string[]): Promise<{ path: string; directory: boolean }[]> {
  const found = await Promise.all(
    paths.map(async (path) => {
      try {
        const real = await realpath(path);
        return { path: real, directory: (await stat(real)).isDirectory() };
      } catch {
        return undefined;
      }
    }),
  );
  return found.filter((entry) => entry !== undefined);
}
