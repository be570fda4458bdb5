import { writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { quire, tempHome } from "./support/quire-process.ts";

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
});
