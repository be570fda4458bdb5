import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Home } from "./home.ts";

/**
 * Where a home's temporary files go (pipeline bundles): `<home>/tmp`, so what one
 * installation leaves behind is its own and goes with it, never mixed with another's in
 * the system's temp dir. Each bundle directory is mounted alone into the sandbox; the
 * rest of the home stays out of sight.
 */
export async function scopedTempDir(home: Home): Promise<string> {
  const dir = join(home.root, "tmp");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}
