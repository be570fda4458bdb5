import { chmod, readdir, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { QUIRE_BIN, quire, tempHome } from "../support/quire-process.ts";

describe("quire serve refuses to start with a clear one-line reason", () => {
  it("names the bad key of config.yml", async () => {
    const home = await tempHome();
    await writeFile(join(home, "config.yml"), "executor: dockr\n");
    const result = await quire(["serve", "--home", home, "--port", "0"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim()).toMatch(/^quire: .*config\.yml: executor: .*"host"\|"docker"$/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("says when the port is taken", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const result = await quire(["serve", "--home", await tempHome(), "--port", String(port)]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr.trim()).toBe(`quire: 127.0.0.1:${port} is already in use (another quire serve?); pick another with --port`);
    } finally {
      blocker.close();
    }
  });

  it("says when bubblewrap cannot make namespaces, and wires, reconciles and publishes nothing (the probe runs while the server's modules load)", async () => {
    const home = await tempHome();
    // A mount namespace of its own where /usr/bin/bwrap fails the way a restricted kernel makes it fail.
    const fake = join(home, "bwrap");
    await writeFile(fake, "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n");
    await chmod(fake, 0o755);
    const script = `mount --bind ${fake} /usr/bin/bwrap && exec "$0" "$@"`;
    const result = await execa("unshare", ["-m", "sh", "-c", script, process.execPath, QUIRE_BIN, "serve", "--home", home, "--port", "0"], {
      reject: false,
      env: { QUIRE_LOG_LEVEL: "info" },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim()).toMatch(/^quire: no sandbox: bubblewrap cannot create namespaces here \(bwrap: No permissions to create new namespace\); .*sandbox: off/);
    expect(result.stderr).not.toMatch(/reconciled|listening/);
    expect((await readdir(home)).sort()).toEqual(["bwrap", "hook.token", "repos", "runs", "workspaces"]);
  });
});
