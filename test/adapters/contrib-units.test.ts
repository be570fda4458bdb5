import { readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../support/temp-dir.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CONTRIB = join(ROOT, "contrib");
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** The units as an admin would install them: this checkout as the package, root as the user. */
async function installed(home: string): Promise<string> {
  const dir = await tempDir("quire-units-");
  dirs.push(dir);
  for (const name of await readdir(CONTRIB)) {
    const text = (await readFile(join(CONTRIB, name), "utf8"))
      .replaceAll("/opt/quire/", ROOT)
      .replaceAll("/opt/quire", ROOT.replace(/\/$/, ""))
      .replaceAll("/var/lib/quire", home)
      .replace(/^(User|Group)=quire$/gm, "$1=root");
    await writeFile(join(dir, name), text);
  }
  return dir;
}

const execStart = (unit: string) => /^ExecStart=(.*)$/m.exec(unit)?.[1]?.split(" ") ?? [];

describe("contrib/ systemd units", () => {
  it("pass systemd-analyze verify, and the server unit runs node directly", async () => {
    const home = await tempDir("quire-units-home-");
    dirs.push(home);
    const dir = await installed(home);
    const units = ["quire.service", "quire-reconcile.service", "quire-reconcile.timer"];
    const verified = await execa("systemd-analyze", ["verify", ...units.map((unit) => join(dir, unit))], { cwd: dir, reject: false });
    expect(verified.stderr).toBe("");
    expect(verified.exitCode).toBe(0);
    const [node, bin, command] = execStart(await readFile(join(dir, "quire.service"), "utf8"));
    expect([node, bin, command]).toEqual(["/usr/bin/node", join(ROOT, "bin/quire.js"), "serve"]);
  });

  it("the timer's reconcile command reconciles the unit's home directly when no server is up", async () => {
    const home = await tempDir("quire-units-home-");
    dirs.push(home);
    const dir = await installed(home);
    const unit = await readFile(join(dir, "quire-reconcile.service"), "utf8");
    const [node = "", ...args] = execStart(unit);
    const env = Object.fromEntries([...unit.matchAll(/^Environment=(\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
    const result = await execa(node, args, { env, extendEnv: false, reject: false });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ orphaned: [], requeued: [] });
  });
});
