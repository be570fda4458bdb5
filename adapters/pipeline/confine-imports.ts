/**
 * esbuild plugin: the pipeline may import its own repository's files, Node built-ins and
 * `quire/ci`, nothing else. Bundling runs in the server with the server's file access, so
 * without this a pipeline could `import "/home/quire/config.yml"` into its bundle and read it.
 */
import { isBuiltin } from "node:module";
import { dirname, sep } from "node:path";
import type { Plugin } from "esbuild";
import { CHILD_MAIN_FILE, SDK_FILE } from "../package/package-files.ts";

export const SDK_PATH = SDK_FILE;
export const CHILD_MAIN_PATH = CHILD_MAIN_FILE;

/** The runner's own sources resolve normally; they are ours, not the pipeline's. */
const RUNNER_DIRS = [dirname(CHILD_MAIN_PATH), dirname(SDK_PATH)];
const INNER = Symbol("confine-imports");

export function confineImports(workspace: string): Plugin {
  return {
    name: "quire-confine-imports",
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === INNER) return undefined;
        if (args.path === "quire/ci") return { path: SDK_PATH };
        if (isBuiltin(args.path)) return { path: args.path, external: true };
        // The bundle's entry imports the runner; it is bundled into every pipeline anyway.
        if (args.path === CHILD_MAIN_PATH) return undefined;
        if (RUNNER_DIRS.some((dir) => within(dir, args.importer))) return undefined;
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: INNER,
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        // esbuild resolves symlinks, so this is where the bytes really come from.
        if (resolved.external || !within(workspace, resolved.path)) {
          return {
            errors: [{ text: `cannot import ${JSON.stringify(args.path)}: a pipeline can import only files inside its repository, Node built-ins and "quire/ci"` }],
          };
        }
        return { path: resolved.path, namespace: resolved.namespace, sideEffects: resolved.sideEffects };
      });
    },
  };
}

function within(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}
