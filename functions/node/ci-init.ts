/**
 * `quire ci init`: a starting pipeline for the checkout, plus what an editor needs to
 * type-check `import ... from "quire/ci"` in a repository where the quire package is not
 * installed: the SDK's declarations next to the pipeline and a tsconfig.json mapping the
 * import to them. Existing files are left alone unless asked to replace them.
 */
import { access, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SDK_DECLARATIONS_FILE } from "../../adapters/package/package-files.ts";
import { PIPELINE_PATHS } from "../../core/intake/gate.ts";
import { CheckoutGit } from "../../adapters/git/checkout-git.ts";
import { err, ok, type Result } from "../../core/result.ts";

const PIPELINE = `// This repository's quire pipeline: every push to the quire server runs it.
// Check it with \`quire ci validate\`, try it here with \`quire ci run\`.
import { job } from "quire/ci";

job("test", ["quire/push"], async ({ sh, jobs }) => {
  const push = jobs("quire/push");
  await sh(\`echo "testing \${push.sha} of \${push.ref}"\`);
});
`;

const TSCONFIG = {
  // Only for editors and \`tsc -p .quire\`: quire bundles the pipeline itself.
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    lib: ["ES2022"],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    paths: { "quire/ci": ["./quire-ci.d.ts"] },
  },
  include: ["./**/*.ts", "./**/*.mts"],
};

export interface CiInitResult {
  written: string[];
  kept: string[];
}

/** The top of the git checkout around `cwd` (it may have no commit yet). */
export async function checkoutTop(cwd: string): Promise<Result<string, string>> {
  const checkout = await CheckoutGit.open(cwd);
  return checkout === null ? err(`${cwd} is not inside a git checkout (run git init first)`) : ok(checkout.top);
}

export async function ciInit(checkoutRoot: string, options: { force: boolean }): Promise<CiInitResult> {
  await mkdir(join(checkoutRoot, ".quire"), { recursive: true });
  // A ci.ts beside an existing ci.js would silently take its place as the pipeline.
  const existing = await firstExisting(checkoutRoot, PIPELINE_PATHS);
  const files: Array<[string, string]> = [
    ["ci.ts", PIPELINE],
    ["quire-ci.d.ts", await readFile(SDK_DECLARATIONS_FILE, "utf8")],
    ["tsconfig.json", JSON.stringify(TSCONFIG, null, 2) + "\n"],
  ];
  const result: CiInitResult = { written: [], kept: [] };
  for (const [name, contents] of files) {
    const path = join(".quire", name);
    if (name === "ci.ts" && existing !== undefined && !options.force) {
      result.kept.push(existing);
      continue;
    }
    try {
      await writeFile(join(checkoutRoot, path), contents, { flag: options.force ? "w" : "wx" });
      result.written.push(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      result.kept.push(path);
    }
  }
  return result;
}

async function firstExisting(root: string, paths: readonly string[]): Promise<string | undefined> {
  for (const path of paths) {
    if (await access(join(root, path)).then(() => true, () => false)) return path;
  }
  return undefined;
}
