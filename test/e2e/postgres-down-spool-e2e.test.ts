import { readdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";
import { serveRepo, type ServedRepo } from "../support/served-repo.ts";
import { waitForRun } from "../support/runs-api.ts";

const PIPELINE = 'import { job } from "quire/ci";\njob("test", ["quire/push"], async ({ sh }) => { await sh("echo spooled while the database was down"); });\n';

let db: TestPostgres | undefined;
let served: ServedRepo | undefined;
afterAll(async () => {
  await served?.server.stop();
  await db?.stop();
  if (served) {
    await rm(served.home, { recursive: true, force: true });
    await rm(dirname(served.clone.dir), { recursive: true, force: true });
  }
});

interface Listed {
  run_id: string;
  ref: string;
  sha: string;
  status: string;
  outcome: string | null;
}

describe("the database is down during a push", () => {
  it("intake answers 503, the hook spools the event, and once the database is back the server makes exactly one run of it", async () => {
    db = await startPostgres();
    served = await serveRepo({ config: `store: { kind: postgres, url: "${await db.database("down")}" }\n`, homePrefix: "quire-pg-down-" });
    const { clone, server, home } = served;
    const spooled = async () => (await readdir(join(home, "spool")).catch(() => [] as string[])).filter((name) => name.endsWith(".json"));

    await db.pause();
    const sha = await clone.commit({ ".quire/ci.ts": PIPELINE });
    const stderr = await clone.push(["origin", "main"]);
    // The real hook met the real 503 and kept the event.
    expect(stderr).toMatch(/quire: server at \S+ failed \(503[^)]*\); push queued for when quire is back \(.+\/spool\/[0-9a-f-]{36}\.json\)/);
    const [file] = await spooled();
    expect(await spooled()).toHaveLength(1);
    expect((await server.request("/health")).status).toBe(200);

    await db.resume();
    // Nobody pushes again: the server notices the database is back and takes the event itself.
    await expect.poll(spooled, { timeout: 45_000, interval: 250 }).toEqual([]);
    const listing = await server.request("/runs?repo=demo.git");
    expect(listing.status).toBe(200);
    const runs = ((await listing.json()) as { runs: Listed[] }).runs;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ ref: "refs/heads/main", sha });
    expect(await waitForRun(server, runs[0]!.run_id)).toMatchObject({ status: "complete", outcome: "succeeded", number: 1 });
    // Spool ids are event ids: the run was made from that event, and only once.
    expect(file).toMatch(/^[0-9a-f-]{36}\.json$/);
    await new Promise((r) => setTimeout(r, 12_000));
    const again = ((await (await server.request("/runs?repo=demo.git")).json()) as { runs: Listed[] }).runs;
    expect(again.map((r) => r.run_id)).toEqual([runs[0]!.run_id]);
  }, 180_000);
});
