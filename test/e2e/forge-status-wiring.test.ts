import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { mockHttp } from "../support/msw.ts";
import { createPendingRun } from "../support/run-fixtures.ts";
import { MemoryRunStore } from "../../adapters/storage/memory-run-store.ts";
import { loadConfig } from "../../functions/node/config.ts";
import { ensureHomeDirs, resolveHome } from "../../functions/node/home.ts";
import { wireNotify } from "../../functions/node/notify-wiring.ts";
import { wireHome } from "../../functions/node/wire-home.ts";
import { created, FORGE_CASES, recordForge } from "../support/forge-fixtures.ts";
import { WorkClone } from "../support/git.ts";
import { quire, tempHome } from "../support/quire-process.ts";

const TOKEN = "gitea-token-value-7d1b2a";
process.env.QUIRE_LOG_LEVEL = "warn";
const mock = mockHttp();

const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

/**
 * A home as `quire serve` has it: config.yml, a repo made by the CLI whose commit carries
 * `.quire/config.yml`; then the notify wiring of `serve` on it, observing a run store.
 */
async function servedNotify(publicUrl: string | undefined) {
  const root = await tempHome("quire-forge-wiring-");
  cleanup.push(root);
  const gitea = FORGE_CASES.find((c) => c.forge === "gitea")!;
  await writeFile(
    join(root, "config.yml"),
    [`secrets: { gitea-token: ${TOKEN} }`, "token_hosts: { gitea-token: [gitea.example.test] }", ...(publicUrl ? [`public_url: ${publicUrl}`] : [])].join("\n"),
  );
  const made = await quire(["repo", "new", "demo.git", "--home", root]);
  expect(made.exitCode, made.stderr).toBe(0);
  const clone = await WorkClone.of(join(root, "repos", "demo.git"));
  cleanup.push(dirname(clone.dir));
  const sha = await clone.commit({
    ".quire/config.yml": `status:\n  - forge: gitea\n    api: ${gitea.api}\n    repo: ${gitea.repo}\n    token: gitea-token\n`,
  });
  // No server is listening: the hook spools the event, and the commit is in the repo all the same.
  await clone.push();
  const home = resolveHome(root);
  await ensureHomeDirs(home);
  const config = await loadConfig(home.config);
  const plain = await wireHome(home, config);
  const notify = await wireNotify(home, config, plain, publicUrl);
  const store = notify.observe(new MemoryRunStore());
  const run = await createPendingRun(store, { runId: "0190a5b0-0000-7000-8000-0000000000c1", sha, clock: plain.clock });
  await notify.settled();
  await notify.outbox.idle();
  await notify.stop();
  await plain.close();
  return { home, run, sha, url: gitea.url(sha) };
}

describe("commit statuses as quire serve wires them", () => {
  it("reads the status settings at the run's commit and links the run page under public_url", async () => {
    const seen = recordForge(mock, created);
    const { home, run, url } = await servedNotify("https://ci.example.test/quire/");
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: "POST", url, headers: { authorization: `token ${TOKEN}` } });
    expect(seen[0]!.body).toEqual({
      state: "pending",
      context: "quire",
      description: `demo.git#${run.meta.number} is queued`,
      target_url: `https://ci.example.test/quire/run/${run.meta.run_id}`,
    });
    const files = await readdir(home.outbox);
    expect(files).toHaveLength(1);
    expect(await readFile(join(home.outbox, files[0]!), "utf8")).not.toContain(TOKEN);
  });

  it("sends no target_url when the server has no public_url", async () => {
    const seen = recordForge(mock, created);
    await servedNotify(undefined);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.body).not.toHaveProperty("target_url");
  });
});
