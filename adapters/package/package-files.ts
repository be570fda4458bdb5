/**
 * Files of the installed package, found from wherever this module runs: as a source file
 * (tests, `--import tsx`) it sits at adapters/package/, once built it is part of a flat
 * bundle in dist/. Everything that needs a path inside the package asks here, so the two
 * layouts cannot drift apart file by file.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const built = !import.meta.url.endsWith(".ts");

/** The package's root directory: package.json, bin/, wrangler.toml, dist/. */
export const PACKAGE_ROOT = fileURLToPath(new URL(built ? "../" : "../../", import.meta.url));

const inPackage = (path: string): string => join(PACKAGE_ROOT, path);

/** The SDK pipelines import as `quire/ci`. */
export const SDK_FILE = inPackage(built ? "dist/runner/ci.js" : "sdk/ci.ts");

/** What the sandboxed child runs; bundled together with each pipeline. */
export const CHILD_MAIN_FILE = inPackage(built ? "dist/runner/child-main.js" : "adapters/pipeline/child-main.ts");

/**
 * The output multiplexer mounted into docker run containers (adapters/executor/exec-mux.c),
 * compiled by the build when a C compiler is there.
 */
export const EXEC_MUX_FILE = inPackage("dist/runner/exec-mux");

/** The CLI, as the installed hook scripts start it. */
export const BIN_FILE = inPackage("bin/quire.js");

/** Holds the reconcile cron, shared with the Workers entry. */
export const WRANGLER_FILE = inPackage("wrangler.toml");

/** Declarations of the SDK, written by the build for `quire ci init`. */
export const SDK_DECLARATIONS_FILE = inPackage("dist/quire-ci.d.ts");

/** The installed package's version, from its package.json. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(inPackage("package.json"), "utf8")) as { version?: unknown };
  return typeof pkg.version === "string" ? pkg.version : "unknown";
}
