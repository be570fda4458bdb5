import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RunChanges } from "../../functions/node/run-changes.ts";
import { quire, tempHome } from "../support/quire-process.ts";

const homes: string[] = [];
const home = async (config: string) => {
  const dir = await tempHome();
  homes.push(dir);
  await writeFile(join(dir, "config.yml"), config);
  return dir;
};

afterAll(async () => {
  await Promise.all(homes.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("runner roles refuse what cannot work, in one line", () => {
  it("quire runner needs the postgres store", async () => {
    const result = await quire(["runner", "--home", await home("")]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim()).toMatch(/^quire: .*config\.yml: quire runner needs `store: \{ kind: postgres, url \}`/);
  });

  it("quire serve --no-runner needs the postgres store", async () => {
    const result = await quire(["serve", "--no-runner", "--port", "0", "--home", await home("")]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim()).toMatch(/^quire: --no-runner needs `store: \{ kind: postgres, url \}`/);
  });

  it("a store URL that is not postgres:// is a config error naming the key, and a password never shows", async () => {
    const result = await quire(["runner", "--home", await home('store: { kind: postgres, url: "mysql://u:hunter2-pw@h/db" }\n')]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/store\.url: must be a postgres:\/\/ URL/);
    expect(result.stderr).not.toContain("hunter2");
  });

  it("an unreachable database stops the runner with a one-line reason, without the password", async () => {
    const result = await quire(["runner", "--home", await home('store: { kind: postgres, url: "postgres://u:hunter2-pw@127.0.0.1:1/db" }\n')]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim()).toMatch(/^quire: PostgreSQL is unavailable/);
    expect(result.stderr).not.toContain("hunter2");
  });
});

describe("RunChanges", () => {
  it("wakes the waiters of a run at once and leaves others to their timeout", async () => {
    const changes = new RunChanges();
    const order: string[] = [];
    const a = changes.wait("a", 60_000).then(() => order.push("a"));
    const b = changes.wait("b", 1).then(() => order.push("b"));
    await b;
    changes.notify("a");
    await a;
    expect(order).toEqual(["b", "a"]);
    changes.notify("nobody-waits");
  });
});
