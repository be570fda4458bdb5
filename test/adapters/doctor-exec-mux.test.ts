import { chmod, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkExecMux } from "../../functions/node/doctor.ts";
import { EXEC_MUX_FILE } from "../../adapters/package/package-files.ts";
import { tempDir } from "../support/temp-dir.ts";

let dir: string;
beforeAll(async () => {
  dir = await tempDir("quire-doctor-mux-");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("quire doctor: the docker output multiplexer", () => {
  it("is quiet about the one this checkout's build compiled", async () => {
    expect(await checkExecMux(EXEC_MUX_FILE)).toEqual([]);
  });

  it("names a missing multiplexer with what it costs and the fix", async () => {
    const [problem, ...rest] = await checkExecMux(join(dir, "exec-mux"));
    expect(rest).toEqual([]);
    expect(problem?.what).toMatch(/exec-mux is missing .*stderr lines out of order with stdout/);
    expect(problem?.fix).toBe("apt-get install gcc libc6-dev, then npm run build");
  });

  it("counts a file that cannot be executed as missing", async () => {
    const path = join(dir, "not-executable");
    await writeFile(path, "#!/bin/sh\n");
    await chmod(path, 0o644);
    expect(await checkExecMux(path)).toHaveLength(1);
  });
});
