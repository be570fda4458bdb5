import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { systemClock } from "../../adapters/clock/system-clock.ts";
import { PgRunStore } from "../../adapters/postgres/pg-run-store.ts";
import type { RepoName } from "../../core/types.ts";
import { usePostgres } from "../support/pg-suite.ts";
import { quire, tempHome } from "../support/quire-process.ts";
import { createPendingRun } from "../support/run-fixtures.ts";

const pg = usePostgres();
const homes: string[] = [];
afterAll(async () => {
  await Promise.all(homes.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("repair commands without a server, on the postgres store", () => {
  it("quire reconcile orphans a run whose lease expired and quire index rebuild indexes the runs table", async () => {
    const db = await pg.fresh();
    const store = new PgRunStore(db);
    const repo = "demo.git" as RepoName;
    const run = await createPendingRun(store, { repo });
    const lease = { owner: "elsewhere:1:gone", expires_at: "2020-01-01T00:00:00.000Z" };
    expect((await store.moveRun(repo, run.meta.run_id, "pending", { ...run.state, status: "active", started_at: systemClock.now(), lease })).kind).toBe("moved");
    const home = await tempHome();
    homes.push(home);
    await writeFile(join(home, "config.yml"), `store: { kind: postgres, url: "${db.url}" }\n`);

    const reconciled = await quire(["reconcile", "--home", home]);
    expect(reconciled.exitCode, reconciled.stderr).toBe(0);
    expect(JSON.parse(reconciled.stdout).orphaned).toEqual([run.meta.run_id]);
    expect((await store.getRun(repo, run.meta.run_id))?.state).toMatchObject({ status: "failed", outcome: "orphaned" });

    const rebuilt = await quire(["index", "rebuild", "--json", "--home", home]);
    expect(rebuilt.exitCode, rebuilt.stderr).toBe(0);
    expect(JSON.parse(rebuilt.stdout)).toMatchObject({ total: 1 });
  });
});
