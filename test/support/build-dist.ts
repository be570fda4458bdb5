/**
 * Vitest global setup: the CLI that tests spawn (bin/quire.js) runs the built files in dist/,
 * so they are built from the current sources first (nothing to do when no source changed).
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  const script = fileURLToPath(new URL("../../scripts/build.mjs", import.meta.url));
  execFileSync(process.execPath, [script], { stdio: "inherit" });
}
