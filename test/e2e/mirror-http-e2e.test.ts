import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import type { DeliveryView } from "../../functions/http/delivery-view.ts";
import { until } from "../support/until.ts";
import { startGitHttpServer, processesMentioning, type GitHttpServer } from "../support/git-http-server.ts";
import { git, gitEnv, WorkClone } from "../support/git.ts";
import { quire, startServer, tempHome, type ServerProcess } from "../support/quire-process.ts";
import { runIdsFromPush, waitForRun } from "../support/runs-api.ts";
import { tempDir } from "../support/temp-dir.ts";

const TOKEN = "mirror-token-5b0e7c41d2";
const WRONG = "stale-token-9a8f7e6d5c";
const basic = (token: string) => Buffer.from(`quire:${token}`).toString("base64");
const PIPELINE = 'import { job } from "quire/ci";\njob("test", ["quire/push"], async ({ sh }) => { await sh("true"); });\n';

async function deliveries(server: ServerProcess): Promise<DeliveryView[]> {
  return (await server.api.listDeliveries({ limit: 1000 })).deliveries;
}

async function bareRepo(root: string, name: string): Promise<string> {
  const dir = join(root, name);
  await execa("git", ["init", "--quiet", "--bare", "--initial-branch=main", dir], { env: gitEnv });
  // git http-backend refuses pushes from an authenticated user only when this is unset.
  await execa("git", ["--git-dir", dir, "config", "http.receivepack", "true"], { env: gitEnv });
  return dir;
}

async function refOf(gitDir: string, ref: string): Promise<string | null> {
  const shown = await execa("git", ["--git-dir", gitDir, "rev-parse", "--verify", "--quiet", ref], { reject: false });
  return shown.exitCode === 0 ? shown.stdout.trim() : null;
}

/** Every file under `dir` (no symlinks followed) whose bytes contain one of `needles`. */
async function filesContaining(dir: string, needles: string[]): Promise<string[]> {
  const hits: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if ((await stat(path)).size > 64 * 1024 * 1024) continue;
    const bytes = await readFile(path);
    if (needles.some((n) => bytes.includes(n))) hits.push(path);
  }
  return hits;
}

type MirrorDelivery = DeliveryView & { target: Extract<DeliveryView["target"], { kind: "mirror" }> };
const mirrorsOf = (url: string) => (d: DeliveryView): d is MirrorDelivery => d.target.kind === "mirror" && d.target.url === url;

let server: ServerProcess | undefined;
let forge: GitHttpServer | undefined;
const cleanup: string[] = [];
afterAll(async () => {
  await server?.stop();
  await forge?.close();
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

describe("mirrors to a real git smart-HTTP server that requires the token", () => {
  it("pushes every ref update with and without a pipeline, deletes, refuses a non-fast-forward, and records a wrong token; the token stays out of argv and the home", async () => {
    const forgeRoot = await tempDir("quire-mirror-forge-");
    cleanup.push(forgeRoot);
    const target = await bareRepo(forgeRoot, "target.git");
    const other = await bareRepo(forgeRoot, "other.git");
    const leaks: string[] = [];
    let scans = 0;
  let blind = 0;
    forge = await startGitHttpServer({
      root: forgeRoot,
      token: TOKEN,
      // While git push waits for this answer, look at every process's argv on the machine.
      duringPush: async () => {
        scans++;
        for (const p of await processesMentioning([TOKEN, basic(TOKEN), WRONG, basic(WRONG)])) leaks.push(p.cmdline);
        // The push's own git processes name the mirror URL: proof the scan saw them alive.
        if ((await processesMentioning([`${forge!.url}/target.git`])).length === 0) blind++;
      },
    });
    const host = new URL(forge.url).host;

    const homeDir = await tempHome("quire-mirror-");
    cleanup.push(homeDir);
    // The secrets come from the server's environment, so the home holds no token at all to begin with.
    await writeFile(
      join(homeDir, "config.yml"),
      [
        "secrets: { mirror-token: { env: QUIRE_TEST_MIRROR_TOKEN }, stale-token: { env: QUIRE_TEST_STALE_TOKEN } }",
        `token_hosts: { mirror-token: ["${host}"], stale-token: ["${host}"] }`,
        "outbox: { retry_base_seconds: 0.2, retry_max_seconds: 0.5, timeout_seconds: 5 }",
      ].join("\n"),
    );
    server = await startServer(homeDir, [], { QUIRE_TEST_MIRROR_TOKEN: TOKEN, QUIRE_TEST_STALE_TOKEN: WRONG });
    const made = await quire(["repo", "new", "demo.git", "--home", homeDir]);
    expect(made.exitCode, made.stderr).toBe(0);
    const clone = await WorkClone.of(join(homeDir, "repos", "demo.git"));
    cleanup.push(dirname(clone.dir));
    const settings = [
      "mirrors:",
      `  - url: ${forge.url}/target.git`,
      "    token: mirror-token",
      `  - url: ${forge.url}/other.git`,
      "    token: stale-token",
    ].join("\n");

    // 1. A commit with a pipeline: a run, and the mirror gets main.
    const first = await clone.commit({ ".quire/ci.ts": PIPELINE, ".quire/config.yml": settings }, "with a pipeline");
    const [runId] = runIdsFromPush(await clone.push(["origin", "main"]));
    expect(runId).toBeDefined();
    await until("main on the mirror", async () => ((await refOf(target, "refs/heads/main")) === first ? true : undefined));
    expect((await waitForRun(server, runId!)).outcome).toBe("succeeded");

    // 2. A branch whose commit has no pipeline: no run, mirrored all the same.
    await git(clone.dir, ["checkout", "--quiet", "-b", "docs"]);
    await git(clone.dir, ["rm", "--quiet", ".quire/ci.ts"]);
    await git(clone.dir, ["commit", "--quiet", "-m", "no pipeline"]);
    const docs = (await git(clone.dir, ["rev-parse", "HEAD"])).trim();
    expect(runIdsFromPush(await clone.push(["origin", "docs"]))).toEqual([]);
    await until("docs on the mirror", async () => ((await refOf(target, "refs/heads/docs")) === docs ? true : undefined));

    // 3. Deleting the branch deletes it on the mirror.
    await clone.push(["origin", ":refs/heads/docs"]);
    await until("docs gone from the mirror", async () => ((await refOf(target, "refs/heads/docs")) === null ? true : undefined));

    // 4. A force-push that rewrites main: the mirror is not forced, and the refusal is recorded.
    await git(clone.dir, ["checkout", "--quiet", "main"]);
    await git(clone.dir, ["commit", "--quiet", "--amend", "-m", "rewritten"]);
    const rewritten = (await git(clone.dir, ["rev-parse", "HEAD"])).trim();
    await clone.push(["--force", "origin", "main"]);
    const refused = await until("the non-fast-forward recorded", async () =>
      (await deliveries(server!)).find((d) => mirrorsOf(`${forge!.url}/target.git`)(d) && d.target.update.new_sha === rewritten && d.status === "failed"),
    );
    expect(refused.last?.result).toBe("give-up");
    expect(refused.last?.message).toMatch(/not a fast-forward.*force: true/);
    expect(refused.attempts).toBe(1);
    expect(await refOf(target, "refs/heads/main")).toBe(first);

    // 5. The mirror whose token the forge does not take: refused, retried, recorded with git's words.
    const stale = await until("the wrong token retried", async () => {
      const found = (await deliveries(server!)).filter(mirrorsOf(`${forge!.url}/other.git`));
      return found.some((d) => d.status === "pending" && d.attempts >= 3) ? found : undefined;
    });
    const retried = stale.find((d) => d.attempts >= 3)!;
    expect(retried.last?.result).toBe("retry");
    expect(retried.last?.message).toMatch(/Authentication failed|401|could not read Username/);
    expect(await refOf(other, "refs/heads/main")).toBeNull();
    expect(forge.refused).toBeGreaterThanOrEqual(3);

    // Every push to the good mirror went through the scan, and no process ever had a token in its argv.
    const pushed = (await deliveries(server)).filter((d) => mirrorsOf(`${forge!.url}/target.git`)(d) && d.status === "delivered");
    expect(pushed).toHaveLength(3);
    // main, docs and the deletion; git refuses the non-fast-forward itself, before it sends a pack.
    expect(scans).toBe(3);
    expect(blind).toBe(0);
    expect(leaks).toEqual([]);

    // Nothing under the home holds a token, plain or as the Basic header git sent.
    await server.stop();
    server = undefined;
    expect(await filesContaining(homeDir, [TOKEN, basic(TOKEN), WRONG, basic(WRONG)])).toEqual([]);
    const outbox = await readdir(join(homeDir, "outbox"));
    expect(outbox.length).toBeGreaterThanOrEqual(6);
  }, 180_000);
});
