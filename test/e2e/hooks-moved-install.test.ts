/**
 * A real move, not an edited hook: a copy of the installed quire (bin/, dist/, package.json,
 * with the shared node_modules) and a node binary of its own install a repo's hook; then the
 * copy is moved and that node removed, as a redeploy or a node upgrade does. The push still
 * succeeds and says what is wrong, a `quire` on PATH keeps CI going meanwhile, `quire doctor`
 * names the hook, and `quire hooks refresh` run from the new place fixes it.
 */
import { copyFile, cp, link, mkdir, readFile, rename, rm, symlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gitEnv, WorkClone } from "../support/git.ts";
import { quire, startServer, tempHome, type ServerProcess } from "../support/quire-process.ts";
import { runIdsFromPush, waitForRun } from "../support/runs-api.ts";
import { tempDir } from "../support/temp-dir.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PIPELINE = `import { job } from "quire/ci";\njob("t", ["quire/push"], async ({ sh }) => { await sh("true"); });\n`;

let home: string;
let scratch: string;
let server: ServerProcess | undefined;
let oldInstall: string;
let newInstall: string;
let oldNode: string;
let clone: WorkClone;
let pushes = 0;
const hook = () => join(home, "repos", "demo.git", "hooks", "post-receive");

/** Pushes with a PATH of our choosing, so whether a `quire` is on it is known. */
async function push(path: string): Promise<{ exitCode: number | undefined; stderr: string }> {
  await clone.commit({ "n.txt": `push ${++pushes}\n` });
  const result = await execa("git", ["push", "origin", "main"], { cwd: clone.dir, env: { ...gitEnv, PATH: path }, extendEnv: false, reject: false });
  return { exitCode: result.exitCode, stderr: result.stderr };
}

/** Copies the parts of the package a user's install has; node_modules is shared, not copied. */
async function installCopy(to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const part of ["bin", "dist"]) await cp(join(ROOT, part), join(to, part), { recursive: true });
  for (const file of ["package.json", "wrangler.toml"]) await copyFile(join(ROOT, file), join(to, file));
  await symlink(join(ROOT, "node_modules"), join(to, "node_modules"));
}

beforeAll(async () => {
  home = await tempHome();
  scratch = await tempDir("quire-moved-");
  oldInstall = join(scratch, "opt", "quire-1");
  newInstall = join(scratch, "opt", "quire-2");
  await installCopy(oldInstall);
  // A node of its own, as /opt/node-20/bin/node would be; a hard link when the file system allows.
  oldNode = join(scratch, "node-20", "bin", "node");
  await mkdir(dirname(oldNode), { recursive: true });
  await link(process.execPath, oldNode).catch(() => copyFile(process.execPath, oldNode));
  server = await startServer(home);
  const made = await execa(oldNode, [join(oldInstall, "bin", "quire.js"), "repo", "new", "demo.git", "--home", home], { reject: false });
  expect(made.stderr).toBe("");
  expect(made.exitCode).toBe(0);
  clone = await WorkClone.of(join(home, "repos", "demo.git"));
  await clone.commit({ ".quire/ci.ts": PIPELINE });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await rm(home, { recursive: true, force: true });
  await rm(scratch, { recursive: true, force: true });
  if (clone) await rm(dirname(clone.dir), { recursive: true, force: true });
});

describe("a moved quire install and an upgraded node", () => {
  it("the hook records the node and the quire that installed it, and a push gets a run", async () => {
    const text = await readFile(hook(), "utf8");
    expect(text).toContain(`__quire_node='${oldNode}'`);
    expect(text).toContain(`__quire_bin='${join(oldInstall, "bin", "quire.js")}'`);
    const pushed = await push("/usr/bin:/bin");
    expect(pushed.exitCode).toBe(0);
    expect(runIdsFromPush(pushed.stderr)).toHaveLength(1);
  }, 60_000);

  it("after the move the push still succeeds and says so; a quire on PATH keeps CI going", async () => {
    await rename(oldInstall, newInstall);
    await rm(dirname(dirname(oldNode)), { recursive: true });

    const broken = await push("/usr/bin:/bin");
    expect(broken.exitCode).toBe(0);
    expect(broken.stderr).toContain(`remote: quire: this hook calls ${oldNode} ${join(oldInstall, "bin", "quire.js")}, which is gone; no CI for this push. Fix: quire hooks refresh --home ${home}`);
    expect(runIdsFromPush(broken.stderr)).toEqual([]);

    // What `npm install -g` leaves: a `quire` on PATH linking to the package's bin.
    const shims = join(scratch, "shims");
    await mkdir(shims);
    await symlink(join(newInstall, "bin", "quire.js"), join(shims, "quire"));
    const fallback = await push(`${shims}:/usr/bin:/bin`);
    expect(fallback.exitCode).toBe(0);
    const [runId] = runIdsFromPush(fallback.stderr);
    expect((await waitForRun(server!, runId ?? "none")).outcome).toBe("succeeded");
  }, 60_000);

  it("quire doctor names the broken hook; hooks refresh from the new place fixes it", async () => {
    const doctor = await quire(["doctor", "--home", home]);
    expect(doctor.exitCode).toBe(1);
    expect(doctor.stdout.split("\n")).toEqual([
      `problem: repo demo.git: the hook calls node at ${oldNode}, which is missing; fix: quire hooks refresh --home ${home}`,
      "1 problem found",
    ]);

    const refresh = await execa(process.execPath, [join(newInstall, "bin", "quire.js"), "hooks", "refresh", "--home", home], { reject: false });
    expect(refresh.exitCode).toBe(0);
    expect(refresh.stdout).toMatch(/^refreshed +demo\.git .*\(was: the hook calls node at .*, which is missing\)$/m);
    const text = await readFile(hook(), "utf8");
    expect(text).toContain(`__quire_node='${process.execPath}'`);
    expect(text).toContain(`__quire_bin='${join(newInstall, "bin", "quire.js")}'`);
    expect((await quire(["doctor", "--home", home])).stdout).toMatch(/^no problems/);

    const fixed = await push("/usr/bin:/bin");
    expect(fixed.exitCode).toBe(0);
    const [runId] = runIdsFromPush(fixed.stderr);
    expect((await waitForRun(server!, runId ?? "none")).outcome).toBe("succeeded");
  }, 60_000);
});
