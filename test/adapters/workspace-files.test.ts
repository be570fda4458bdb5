import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FsWorkspaceFiles } from "../../adapters/workspace/fs-workspace-files.ts";
import { MemoryWorkspaceFiles } from "../../adapters/workspace/memory-workspace-files.ts";
import type { WorkspaceFiles } from "../../core/ports/workspaces.ts";
import { err, ok } from "../../core/result.ts";

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

const text = (data: string) => ({ encoding: "utf8" as const, data });

const adapters: Array<[string, () => Promise<{ files: WorkspaceFiles; workspace: string }>]> = [
  ["fs", async () => ({ files: new FsWorkspaceFiles(), workspace: await tempDir("quire-wsf-") })],
  ["memory", async () => ({ files: new MemoryWorkspaceFiles(), workspace: "/fake-workspace/run-1" })],
];

for (const [name, make] of adapters) {
  describe(`WorkspaceFiles contract: ${name}`, () => {
    it("writes, overwrites and reads text, creating parent directories", async () => {
      const { files, workspace } = await make();
      expect(await files.write(workspace, "out/deep/note.txt", text("first"))).toEqual(ok(null));
      expect(await files.write(workspace, "out/deep/note.txt", text("second, longer"))).toEqual(ok(null));
      expect(await files.write(workspace, "out/deep/note.txt", text("third"))).toEqual(ok(null));
      expect(await files.read(workspace, "out/deep/note.txt")).toEqual(ok("third"));
      expect(await files.read(workspace, "./out/../out/deep/note.txt")).toEqual(ok("third"));
    });

    it("writes bytes sent as base64", async () => {
      const { files, workspace } = await make();
      expect(await files.write(workspace, "b.txt", { encoding: "base64", data: Buffer.from("héllo").toString("base64") })).toEqual(ok(null));
      expect(await files.read(workspace, "b.txt")).toEqual(ok("héllo"));
    });

    it("answers a missing file with an error value", async () => {
      const { files, workspace } = await make();
      expect(await files.read(workspace, "nope.txt")).toEqual(err('"nope.txt": no such file in the workspace'));
    });

    it("refuses paths that are absolute, empty or climb out", async () => {
      const { files, workspace } = await make();
      expect(await files.read(workspace, "/etc/hostname")).toEqual(err('"/etc/hostname" must be a path relative to the workspace'));
      expect(await files.write(workspace, "", text("x"))).toEqual(err('"" must be a path relative to the workspace'));
      expect(await files.read(workspace, "../x")).toEqual(err('"../x" escapes the workspace'));
      expect(await files.write(workspace, "a/../../x", text("x"))).toEqual(err('"a/../../x" escapes the workspace'));
      expect(await files.write(workspace, ".", text("x"))).toEqual(err('"." is the workspace itself, not a file'));
    });
  });
}

describe("FsWorkspaceFiles: symlinks and odd files", () => {
  async function workspaceWithOutside() {
    const workspace = await tempDir("quire-wsf-");
    const outside = await tempDir("quire-wsf-outside-");
    await writeFile(join(outside, "secret.txt"), "server secret");
    return { files: new FsWorkspaceFiles(), workspace, outside };
  }

  it("follows symlinks that stay inside the workspace", async () => {
    const { files, workspace } = await workspaceWithOutside();
    await mkdir(join(workspace, "real"));
    await symlink("real", join(workspace, "alias"));
    await symlink("real/file.txt", join(workspace, "file-link"));
    expect(await files.write(workspace, "alias/sub/file.txt", text("via the alias"))).toEqual(ok(null));
    expect(await readFile(join(workspace, "real/sub/file.txt"), "utf8")).toBe("via the alias");
    await writeFile(join(workspace, "real/file.txt"), "old");
    expect(await files.write(workspace, "file-link", text("through a file link"))).toEqual(ok(null));
    expect(await files.read(workspace, "real/file.txt")).toEqual(ok("through a file link"));
  });

  it("refuses to read or write through a symlink to /", async () => {
    const { files, workspace, outside } = await workspaceWithOutside();
    await symlink("/", join(workspace, "x"));
    expect(await files.read(workspace, "x/etc/hostname")).toEqual(err('"x/etc/hostname" leads outside the workspace'));
    for (const target of [`x${outside}/escaped.txt`, `x${outside}/new-dir/escaped.txt`, `x${outside}/secret.txt`]) {
      expect(await files.write(workspace, target, text("out"))).toEqual(err(`${JSON.stringify(target)} leads outside the workspace`));
    }
    await expect(readFile(join(outside, "escaped.txt"))).rejects.toThrow();
    await expect(readFile(join(outside, "new-dir/escaped.txt"))).rejects.toThrow();
    expect(await readFile(join(outside, "secret.txt"), "utf8")).toBe("server secret");
    // Back in through the same link is still the workspace.
    expect(await files.write(workspace, `x${workspace}/back-in.txt`, text("in"))).toEqual(ok(null));
    expect(await readFile(join(workspace, "back-in.txt"), "utf8")).toBe("in");
  });

  it("refuses file links and directory links that point out, and dangling links", async () => {
    const { files, workspace, outside } = await workspaceWithOutside();
    await symlink(join(outside, "secret.txt"), join(workspace, "secret-link"));
    await symlink(outside, join(workspace, "out-dir"));
    await symlink(join(outside, "not-yet.txt"), join(workspace, "dangling"));
    expect(await files.read(workspace, "secret-link")).toEqual(err('"secret-link" leads outside the workspace'));
    expect(await files.write(workspace, "secret-link", text("overwritten"))).toEqual(err('"secret-link" leads outside the workspace'));
    expect(await files.write(workspace, "out-dir/new/file.txt", text("x"))).toEqual(err('"out-dir/new/file.txt" leads outside the workspace'));
    expect(await files.write(workspace, "dangling", text("created?"))).toEqual(err('"dangling" leads outside the workspace'));
    expect(await readFile(join(outside, "secret.txt"), "utf8")).toBe("server secret");
    await expect(readFile(join(outside, "not-yet.txt"))).rejects.toThrow();
    await expect(readFile(join(outside, "new/file.txt"))).rejects.toThrow();
  });

  it("never writes outside while a job swaps a directory for a symlink under it", async () => {
    const { files, workspace, outside } = await workspaceWithOutside();
    const steps = ['fs.mkdirSync("d")', 'fs.rmSync("d", { recursive: true })', `fs.symlinkSync(${JSON.stringify(outside)}, "d")`, 'fs.unlinkSync("d")'];
    const swap = `const fs = require("node:fs"); for (;;) { ${steps.map((step) => `try { ${step}; } catch {}`).join(" ")} }`;
    const swapper = spawn(process.execPath, ["-e", swap], { cwd: workspace, stdio: "ignore" });
    try {
      let written = 0;
      for (let i = 0; i < 150; i++) {
        if ((await files.write(workspace, "d/f.txt", text("raced"))).ok) written += 1;
        if ((await files.write(workspace, "d/sub/g.txt", text("raced"))).ok) written += 1;
      }
      expect(written).toBeGreaterThan(0);
    } finally {
      swapper.kill("SIGKILL");
    }
    await expect(readFile(join(outside, "f.txt"))).rejects.toThrow();
    await expect(readFile(join(outside, "sub/g.txt"))).rejects.toThrow();
  });

  it("does not hang on a FIFO and refuses directories", async () => {
    const { files, workspace } = await workspaceWithOutside();
    await new Promise<void>((resolve, reject) =>
      spawn("mkfifo", [join(workspace, "pipe")]).on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`mkfifo: ${code}`)))),
    );
    await mkdir(join(workspace, "dir"));
    expect(await files.read(workspace, "pipe")).toEqual(err('"pipe" is not a file'));
    expect(await files.write(workspace, "pipe", text("x"))).toEqual(err('"pipe": it is not a regular file'));
    expect(await files.read(workspace, "dir")).toEqual(err('"dir" is not a file'));
    expect(await files.write(workspace, "dir", text("x"))).toEqual(err('"dir": it is a directory'));
  });

  it("refuses a file above the read cap and a path through a file", async () => {
    const files = new FsWorkspaceFiles({ maxReadBytes: 8 });
    const workspace = await tempDir("quire-wsf-");
    await writeFile(join(workspace, "big.txt"), "123456789");
    expect(await files.read(workspace, "big.txt")).toEqual(err('"big.txt" is larger than 8 bytes; read it with sh'));
    expect(await files.write(workspace, "big.txt/inner", text("x"))).toEqual(err('"big.txt/inner": a parent of it is not a directory'));
  });

  it("throws a StorageError when the workspace itself is gone", async () => {
    const files = new FsWorkspaceFiles();
    await expect(files.read("/nonexistent/quire-workspace", "a.txt")).rejects.toMatchObject({ name: "StorageError", code: "workspace_missing" });
  });
});
