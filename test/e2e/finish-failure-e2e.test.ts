/**
 * Issue 8, "never stuck active", through a real server and a real push: finishing a run
 * fails on a real storage condition (the path its job receipt must take is a directory, so
 * the atomic rename is refused), and the run still ends `errored` with the reason. While
 * that run is active, its lease on disk is made stale, as a renewal that lags would leave
 * it, and `POST /reconcile` must not take the live server's run for an orphan.
 */
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { pushRun } from "../support/hostile.ts";
import { postWithToken, waitForRun } from "../support/runs-api.ts";
import { useServedRepo } from "../support/use-served-repo.ts";

const served = useServedRepo({ config: "run_timeout_minutes: 2\n" });

/** The job waits for the test's go-ahead, a file the test drops into its workspace. */
const WAITING = `import { job } from "quire/ci";
job("slow", ["quire/push"], async ({ sh }) => {
  const waited = await sh(["sh", "-c", "for i in $(seq 600); do [ -e go ] && exit 0; sleep 0.1; done; exit 1"]);
  if (waited.exit !== 0) throw new Error("no go-ahead");
  return { done: true };
});
`;

async function until(check: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const exists = (path: string) => stat(path).then(() => true, () => false);

describe("a run whose finishing fails (real served.server, host executor)", () => {
  it("ends errored with the reason, and reconcile meanwhile leaves the live run alone", async () => {
    const id = await pushRun(served.clone, "finish-fails", WAITING);
    const runDir = join(served.home, "runs", "demo.git", "active", id);
    const workspace = join(served.home, "workspaces", id);
    // The job's first sh has opened its log: the run is active and the job is waiting.
    await until(() => exists(join(runDir, "jobs", "slow", "sh-1.log")), "the job to start");

    // A stale lease on disk, the queue still running the run: reconcile must trust the queue.
    const statePath = join(runDir, "state.yml");
    const state = parse(await readFile(statePath, "utf8")) as { lease: { owner: string; expires_at: string } | null };
    expect(state.lease).not.toBeNull();
    await writeFile(`${statePath}.test-tmp`, stringify({ ...state, lease: { ...state.lease, expires_at: "2000-01-01T00:00:00.000Z" } }));
    await rename(`${statePath}.test-tmp`, statePath);
    const reconciled = await postWithToken(served.server, "/reconcile");
    expect(reconciled.status).toBe(200);
    expect(JSON.stringify(await reconciled.json())).not.toContain(id);
    expect(await waitForRun(served.server, id, () => true)).toMatchObject({ status: "active", outcome: null });

    // The job receipt's path taken by a non-empty directory: its atomic write cannot land.
    await mkdir(join(runDir, "jobs", "slow", "receipt.json", "blocker"), { recursive: true });
    await writeFile(join(workspace, "go"), "");

    const run = await waitForRun(served.server, id);
    expect(run).toMatchObject({ status: "failed", outcome: "errored" });
    expect(run.error).toMatch(/could not record the run's results/);
    // Terminal on disk too, and nothing left in active/.
    expect(await exists(join(served.home, "runs", "demo.git", "failed", id, "state.yml"))).toBe(true);
    expect(await exists(runDir)).toBe(false);
    // The server still runs pipelines afterwards.
    const next = await pushRun(served.clone, "after", `import { job } from "quire/ci";\njob("ok", ["quire/push"], async () => ({}));\n`);
    expect(await waitForRun(served.server, next)).toMatchObject({ status: "complete", outcome: "succeeded" });
  });
});
