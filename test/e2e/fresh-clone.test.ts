/**
 * What a user does on a fresh machine: clone, `npm ci` (which builds dist/ through the prepare
 * script), start the server. It must answer /health running plain JavaScript: tsx is removed
 * from the clone before the start, and no process of the server's tree mentions it.
 * `--prefer-offline` takes the packages from the npm cache the surrounding install filled.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { access, readFile, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../support/temp-dir.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** The command lines of a process and all its descendants, from /proc. */
async function processTree(pid: number): Promise<string[]> {
  const lines = [(await readFile(`/proc/${pid}/cmdline`, "utf8")).replaceAll("\0", " ").trim()];
  const children = await readFile(`/proc/${pid}/task/${pid}/children`, "utf8").catch(() => "");
  for (const child of children.split(" ").filter(Boolean)) lines.push(...(await processTree(Number(child)).catch(() => [])));
  return lines;
}

describe("a fresh clone", () => {
  it("installs with npm ci, builds dist/, and serves /health with no transpiler loaded", { timeout: 600_000 }, async () => {
    const clone = await tempDir("quire-clone-");
    const home = await tempDir("quire-clone-home-");
    dirs.push(clone, home);
    await execa("git", ["clone", "--quiet", ROOT, clone]);
    await expect(access(join(clone, "dist"))).rejects.toThrow();

    const install = await execa("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: clone, reject: false, all: true });
    expect(install.exitCode, install.all).toBe(0);
    expect(await readdir(join(clone, "dist"))).toContain("quire.js");
    await rm(join(clone, "node_modules", "tsx"), { recursive: true, force: true });
    // The README's start command names the bin, not the package (an unrelated `quire` is on the registry).
    const help = await execa("npx", ["--offline", "quire", "serve", "--help"], { cwd: clone, reject: false });
    expect(help.stdout).toContain("Usage: quire serve");
    expect(help.exitCode).toBe(0);

    const server = spawn(process.execPath, [join(clone, "bin", "quire.js"), "serve", "--home", home, "--port", "0"], {
      cwd: clone,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", QUIRE_LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = once(server, "exit");
    try {
      let stderr = "";
      server.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const url = await new Promise<string>((resolve, reject) => {
        server.stdout.on("data", (chunk: Buffer) => {
          const match = /at (http:\/\/\S+)/.exec(chunk.toString());
          if (match?.[1]) resolve(match[1]);
        });
        void exited.then(() => reject(new Error(`quire serve exited: ${stderr}`)));
      });
      const health = await fetch(new URL("/health", url));
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ ok: true });
      const tree = await processTree(server.pid ?? 0);
      expect(tree[0]).toBe(`${process.execPath} ${join(clone, "bin", "quire.js")} serve --home ${home} --port 0`);
      expect(tree.filter((line) => /tsx|--import|--loader|--require/.test(line))).toEqual([]);
    } finally {
      server.kill("SIGTERM");
      await exited;
    }
  });
});
