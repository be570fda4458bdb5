import { access, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { git, gitEnv } from "../support/git.ts";
import { QUIRE_BIN } from "../support/quire-process.ts";
import { tempDir } from "../support/temp-dir.ts";

const TSC = fileURLToPath(new URL("../../node_modules/typescript/bin/tsc", import.meta.url));
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function repo(): Promise<string> {
  const dir = await tempDir("quire-init-");
  dirs.push(dir);
  await git(dir, ["init", "--quiet", "--initial-branch=main"]);
  return dir;
}

const cli = (cwd: string, args: string[]) =>
  execa(process.execPath, [QUIRE_BIN, ...args], { cwd, reject: false, env: { ...gitEnv, QUIRE_LOG_LEVEL: "warn" } });
const tsc = (dir: string) => execa(process.execPath, [TSC, "-p", join(dir, ".quire")], { reject: false });
const exists = (path: string) => access(path).then(() => true, () => false);

describe("quire ci init", () => {
  it("writes a pipeline that validates and that tsc type-checks where the quire package is not installed", async () => {
    const dir = await repo();
    await mkdir(join(dir, "src"));
    const init = await cli(join(dir, "src"), ["ci", "init"]);
    expect(init.exitCode).toBe(0);
    expect(init.stdout).toContain("wrote .quire/ci.ts");
    for (const name of ["ci.ts", "quire-ci.d.ts", "tsconfig.json"]) expect(await exists(join(dir, ".quire", name))).toBe(true);

    const checked = await tsc(dir);
    expect(checked.stdout + checked.stderr).toBe("");
    expect(checked.exitCode).toBe(0);
    await git(dir, ["add", "."]);
    await git(dir, ["commit", "--quiet", "-m", "pipeline"]);
    const validated = await cli(dir, ["ci", "validate"]);
    expect(validated.stdout).toMatch(/1 job\(s\), in order:\n {2}test ← quire\/push/);
    expect(validated.exitCode).toBe(0);
  });

  it("gives the editor real types: a wrong call of the SDK fails tsc, naming the line", async () => {
    const dir = await repo();
    expect((await cli(dir, ["ci", "init"])).exitCode).toBe(0);
    await writeFile(join(dir, ".quire", "ci.ts"), 'import { job } from "quire/ci";\njob("a", ["quire/push"], async ({ sh }) => {\n  await sh(42);\n});\n');
    const checked = await tsc(dir);
    expect(checked.exitCode).not.toBe(0);
    expect(checked.stdout).toMatch(/ci\.ts\(3,12\): error TS2345/);
  });

  it("keeps existing files unless --force, and never adds ci.ts beside another pipeline file", async () => {
    const dir = await repo();
    await mkdir(join(dir, ".quire"));
    await writeFile(join(dir, ".quire", "ci.js"), "// mine\n");
    const first = await cli(dir, ["ci", "init"]);
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toContain("kept .quire/ci.js");
    expect(await exists(join(dir, ".quire", "ci.ts"))).toBe(false);
    await writeFile(join(dir, ".quire", "tsconfig.json"), "{}\n");
    const again = await cli(dir, ["ci", "init"]);
    expect(again.stdout).toContain("kept .quire/tsconfig.json");
    expect(await readFile(join(dir, ".quire", "tsconfig.json"), "utf8")).toBe("{}\n");
    const forced = await cli(dir, ["ci", "init", "--force"]);
    expect(forced.stdout).toContain("wrote .quire/tsconfig.json");
    expect(JSON.parse(await readFile(join(dir, ".quire", "tsconfig.json"), "utf8"))).toMatchObject({ compilerOptions: { paths: { "quire/ci": ["./quire-ci.d.ts"] } } });
  });

  it("outside a git checkout: exit 2, a clear line, nothing written", async () => {
    const dir = await tempDir("quire-init-nogit-");
    dirs.push(dir);
    const result = await cli(dir, ["ci", "init"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/not inside a git checkout/);
    expect(await exists(join(dir, ".quire"))).toBe(false);
  });
});
