import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkClone } from "../support/git.ts";
import { quire, startServer, tempHome, type ServerProcess } from "../support/quire-process.ts";
import { waitForRun } from "../support/runs-api.ts";

const ZERO = "0".repeat(40);
const line = (sha: string, ref = "refs/heads/main") => `${ZERO} ${sha} ${ref}\n`;
const hook = (home: string, input: string, repo = "demo.git") => quire(["hook", "post-receive", "--home", home, "--repo", repo], { input });

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("quire hook post-receive without a server", () => {
  it("spools the event when no server has published its URL, says so in one line, and exits 0", async () => {
    const home = await tempHome();
    const result = await hook(home, line("a".repeat(40)));
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe("");
    const spooled = new RegExp(`^quire: no server is running for ${home}; push queued for when quire is back \\((${home}/spool/([0-9a-f-]{36})\\.json)\\)$`).exec(result.stderr);
    expect(spooled).not.toBeNull();
    const event = JSON.parse(await readFile(spooled?.[1] ?? "", "utf8"));
    expect(event).toMatchObject({ type: "push", event_id: spooled?.[2], repo: "demo.git", refs: [{ ref: "refs/heads/main", new_sha: "a".repeat(40) }] });
    await rm(home, { recursive: true, force: true });
  });

  it("spools the event when the published server is gone, says so in one line, and exits 0", async () => {
    const home = await tempHome();
    const port = await closedPort();
    await writeFile(join(home, "server.url"), `http://127.0.0.1:${port}\n`);
    await writeFile(join(home, "hook.token"), "t\n");
    const result = await hook(home, line("a".repeat(40)));
    expect(result.exitCode).toBe(0);
    expect(result.stderr.split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(new RegExp(`^quire: server at http://127\\.0\\.0\\.1:${port} unreachable \\(.+\\); push queued for when quire is back \\(${home}/spool/[0-9a-f-]{36}\\.json\\)$`));
    expect(await readdir(join(home, "spool"))).toHaveLength(1);
    await rm(home, { recursive: true, force: true });
  });

  it("says nothing and posts nothing for empty input", async () => {
    const home = await tempHome();
    const result = await hook(home, "\n");
    expect(result).toMatchObject({ exitCode: 0, stdout: "", stderr: "" });
  });
});

describe("quire hook post-receive with a server", () => {
  let home: string;
  let server: ServerProcess;
  let sha: string;

  beforeAll(async () => {
    home = await tempHome();
    await quire(["repo", "new", "demo.git", "--home", home]);
    const clone = await WorkClone.of(join(home, "repos", "demo.git"));
    sha = await clone.commit({ ".quire/ci.ts": "export {};" });
    await clone.push(); // before the server starts: the hook spools the event
    server = await startServer(home);
  });

  it("delivered the push spooled before it started as run #1, and emptied the spool", async () => {
    const first = await waitForRun(server, "demo.git#1", () => true);
    expect(first).toMatchObject({ ref: "refs/heads/main", sha });
    expect(await readdir(join(home, "spool"))).toEqual([]);
  });
  afterAll(async () => server?.stop());

  it("posts one event for all lines and prints one line per run it queued", async () => {
    const result = await hook(home, line(sha) + line(sha, "refs/heads/other") + line(ZERO, "refs/heads/gone").replace(`${ZERO} ${ZERO}`, `${sha} ${ZERO}`));
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe("");
    const lines = result.stdout.split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^quire: run demo\.git#2 queued for refs\/heads\/main \([0-9a-f-]{36}\)$/);
    expect(lines[1]).toMatch(/^quire: run demo\.git#3 queued for refs\/heads\/other \([0-9a-f-]{36}\)$/);
  });

  it("reports a refusal in one line and still exits 0", async () => {
    const badRepo = await hook(home, line(sha), "../escape.git");
    expect(badRepo.exitCode).toBe(0);
    expect(badRepo.stderr).toMatch(/^quire: server refused the push event \(400\): repo name "\.\.\/escape\.git": .+$/);
    const unknown = await hook(home, line(sha), "other.git");
    expect(unknown.exitCode).toBe(0);
    expect(unknown.stderr).toBe("quire: server refused the push event (404): no repo named other.git");
    const garbage = await hook(home, "not three fields\n");
    expect(garbage.exitCode).toBe(0);
    expect(garbage.stderr).toMatch(/^quire: server refused the push event \(400\): refs\.0\..+$/);
  });

  it("warns when its token is refused or unreadable, and still exits 0", async () => {
    // Another home pointing at this server, with a token of its own: the server refuses it.
    const stranger = await tempHome();
    await writeFile(join(stranger, "server.url"), server.url + "\n");
    await writeFile(join(stranger, "hook.token"), "not-the-token\n");
    const wrong = await hook(stranger, line(sha));
    expect(wrong.exitCode).toBe(0);
    expect(wrong.stderr).toBe("quire: server refused the push event (401): wrong token");
    await rm(join(stranger, "hook.token"));
    const missing = await hook(stranger, line(sha));
    expect(missing.exitCode).toBe(0);
    expect(missing.stderr).toMatch(new RegExp(`^quire: cannot read ${join(stranger, "hook.token")}; push queued for when quire is back \\(${stranger}/spool/[0-9a-f-]{36}\\.json\\)$`));
  });
});
