#!/usr/bin/env node
// Builds the TypeScript sources to plain ESM in dist/ (run by `npm install` through the
// `prepare` script, and by the test setup): the CLI as one bundle split at its lazy imports,
// `quire serve` and the post-receive hook each as one file of their own (every start and
// every push loads them), and the pipeline runner and SDK, which each pipeline is bundled
// with later.
// Files are written to temporary names and renamed into place, so a quire process running
// from dist/ while it is rebuilt never reads half a file.
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import { build } from "esbuild";
import { nodeServerLazy } from "./node-server-lazy.mjs";
import { withBuildId, writeServeCodeCache } from "./code-cache.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DIST = join(ROOT, "dist");
const SOURCES = ["core", "adapters", "functions", "sdk"];
const STAMP = join(DIST, ".sources");

// Bundled CommonJS dependencies call require() for Node built-ins; ES modules have none.
const REQUIRE_BANNER = 'import { createRequire as __quireCreateRequire } from "node:module";\nconst require = __quireCreateRequire(import.meta.url);';

const common = { bundle: true, format: "esm", platform: "node", target: "node20", write: false, logLevel: "warning", absWorkingDir: ROOT, legalComments: "none" };

/**
 * The server and the hook start on every `quire serve` and every push: whitespace and
 * redundant syntax out makes less source to read, decode, pre-parse and keep resident
 * (some 2 MB of a server's idle memory). Names stay, so stack traces still name functions.
 * The pipeline runner is left readable: it is bundled again with each pipeline.
 */
const lean = { minifyWhitespace: true, minifySyntax: true };

/** @hono/node-server's import of node:http2 goes to scripts/no-http2.mjs (see there). */
const noHttp2 = {
  name: "no-http2",
  setup(build) {
    build.onResolve({ filter: /^(node:)?http2$/ }, (args) => (/@hono[\\/]node-server/.test(args.importer) ? { path: join(ROOT, "scripts/no-http2.mjs") } : undefined));
  },
};

/**
 * execa is some 160 KB of the server's bundle, and a server starts and answers /health without
 * running a command (adapters/process/lazy-execa.ts loads it on the first). In dist/serve.cjs
 * it is a file of its own beside it, so every start does not read and pre-parse it.
 */
const execaBeside = {
  name: "execa-beside",
  setup(build) {
    build.onResolve({ filter: /^execa$/ }, () => ({ path: "./vendor-execa.cjs", external: true }));
  },
};

/** The esbuild runs; `quiet` leaves out the "built" line (the test setup builds on every run). */
export async function buildDist({ quiet = false } = {}) {
  const stamp = await sourceStamp();
  if ((await readFile(STAMP, "utf8").catch(() => "")) === stamp) return false;
  const started = performance.now();
  const [server, serve, execa, hook, runner] = await Promise.all([
    build({
      ...common,
      entryPoints: { quire: "functions/cli/bin.ts" },
      outdir: DIST,
      splitting: true,
      chunkNames: "[name]-[hash]",
      banner: { js: REQUIRE_BANNER },
      // esbuild runs its own native binary; pg reaches for an optional native module.
      external: ["esbuild", "pg", "pg-native"],
      plugins: [noHttp2, nodeServerLazy],
      ...lean,
    }),
    // `quire serve` on its own, as one CommonJS file (functions/cli/serve-main.ts says why).
    // Its dynamic imports become require()s of code in the same file, evaluated on first use;
    // import.meta.url (package-files.ts finds the package root by it) becomes this file's URL.
    build({
      ...common,
      ...lean,
      format: "cjs",
      entryPoints: { serve: "functions/cli/serve-main.ts" },
      outdir: DIST,
      outExtension: { ".js": ".cjs" },
      supported: { "dynamic-import": false },
      define: { "import.meta.url": "__quireModuleUrl" },
      banner: { js: 'const __quireModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
      external: ["esbuild", "pg", "pg-native"],
      plugins: [noHttp2, nodeServerLazy, execaBeside],
    }),
    build({ ...common, ...lean, format: "cjs", stdin: { contents: 'export * from "execa";', resolveDir: ROOT }, outfile: join(DIST, "vendor-execa.cjs") }),
    // Not split: shared chunks would drag in what the CLI shares with it (execa, zod), and
    // each further file is one more resolution and read on every push. CommonJS: bin/quire.js
    // require()s it, so a push never starts the ES module loader's per-file work.
    build({ ...common, ...lean, format: "cjs", entryPoints: { hook: "functions/cli/hook-main.ts" }, outdir: DIST, outExtension: { ".js": ".cjs" } }),
    // No banner here: these are bundled again, with each pipeline, and need no require.
    build({
      ...common,
      entryPoints: { "child-main": "adapters/pipeline/child-main.ts", ci: "sdk/ci.ts" },
      outdir: join(DIST, "runner"),
      splitting: true,
      chunkNames: "[name]-[hash]",
    }),
  ]);
  for (const output of [...server.outputFiles, ...serve.outputFiles, ...execa.outputFiles, ...hook.outputFiles]) checkAscii(output);
  // dist/serve.cjs ends with its build id, which names its code cache (bin/code-cache.js).
  const [serveFile] = serve.outputFiles;
  const built = withBuildId(serveFile.text);
  const serveOut = { path: serveFile.path, contents: Buffer.from(built.text) };
  const files = [...server.outputFiles, serveOut, ...execa.outputFiles, ...hook.outputFiles, ...runner.outputFiles, await sdkDeclarations()];
  for (const file of files) await writeAtomic(file.path, file.contents);
  const mux = await buildExecMux();
  const cache = await writeServeCodeCache({ bin: join(ROOT, "bin", "quire.js"), serveFile: serveFile.path, id: built.id });
  await prune(new Set([...files.map((file) => file.path), ...(mux ? [mux] : []), ...(cache ? [cache] : [])]));
  await writeAtomic(STAMP, stamp);
  if (!quiet) process.stdout.write(`quire: built ${files.length} files into ${relative(ROOT, DIST)}/ in ${Math.round(performance.now() - started)} ms\n`);
  return true;
}

/**
 * V8 keeps a source with any character above U+00FF as two bytes a character, for as long as
 * the server runs: one "…" in a template of the web view doubled its 200 KB bundle in memory.
 * esbuild escapes such characters in string literals, not in template literals; write them
 * as escapes there (`\\u2026` in the browser's script, `\\2026` in CSS).
 */
function checkAscii(output) {
  const text = output.text;
  const at = text.search(/[^\x00-\xff]/);
  if (at === -1) return;
  const line = text.slice(0, at).split("\n").length;
  throw new Error(`${relative(ROOT, output.path)}:${line}: character ${JSON.stringify(text[at])} above U+00FF near ${JSON.stringify(text.slice(Math.max(0, at - 40), at + 10))}; escape it in the source`);
}

/**
 * The docker executor's output multiplexer (adapters/executor/exec-mux.c), static so it runs
 * in any image. Without a C compiler docker runs still work; only the order of stdout against
 * stderr is then docker's, which can put a stderr line before stdout printed earlier.
 */
async function buildExecMux() {
  const out = join(DIST, "runner", "exec-mux");
  const temp = `${out}.${process.pid}.tmp`;
  await mkdir(dirname(out), { recursive: true });
  try {
    execFileSync(process.env.CC ?? "cc", ["-static", "-O2", "-o", temp, join(ROOT, "adapters/executor/exec-mux.c")], { stdio: "pipe" });
    await rename(temp, out);
    return out;
  } catch (error) {
    await rm(temp, { force: true });
    process.stderr.write(`quire: could not compile adapters/executor/exec-mux.c (${String(error.stderr ?? error.message).trim().split("\n")[0]}); docker runs may show stderr lines out of order with stdout\n`);
    return undefined;
  }
}

/**
 * `quire ci init` copies these into a repository so editors type-check `quire/ci` there.
 * TypeScript is a development dependency, present wherever `npm install` builds.
 */
async function sdkDeclarations() {
  const { default: ts } = await import("typescript");
  const source = await readFile(join(ROOT, "sdk/ci.ts"), "utf8");
  const { outputText, diagnostics } = ts.transpileDeclaration(source, { fileName: "ci.ts", compilerOptions: { strict: true } });
  if (diagnostics?.length) throw new Error(`sdk/ci.ts: ${diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("; ")}`);
  return { path: join(DIST, "quire-ci.d.ts"), contents: outputText };
}

/** A hash of every source file: an unchanged tree is not built again. */
async function sourceStamp() {
  const hash = createHash("sha256");
  const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8"));
  hash.update(JSON.stringify(pkg.dependencies ?? {})).update(await readFile(fileURLToPath(import.meta.url))).update(await readFile(join(ROOT, "scripts/no-http2.mjs")));
  for (const helper of ["node-server-lazy.mjs", "lazy-web-class.mjs", "code-cache.mjs"]) hash.update(await readFile(join(ROOT, "scripts", helper)));
  for (const dir of SOURCES) {
    const entries = await readdir(join(ROOT, dir), { recursive: true, withFileTypes: true });
    const paths = entries.filter((e) => e.isFile() && /\.(tsx?|c)$/.test(e.name)).map((e) => join(e.parentPath, e.name)).sort();
    for (const path of paths) hash.update(path).update("\0").update(await readFile(path)).update("\0");
  }
  return hash.digest("hex");
}

async function writeAtomic(path, contents) {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, contents);
  await rename(temp, path);
}

/**
 * Chunks of earlier builds go, except while they may still be in use: a server started from
 * an earlier build loads its chunks lazily, so only chunks older than a day are removed.
 */
async function prune(keep) {
  const dayAgo = Date.now() - 24 * 3600_000;
  const entries = await readdir(DIST, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    const path = join(entry.parentPath, entry.name);
    if (!entry.isFile() || keep.has(path) || path === STAMP) continue;
    const info = await stat(path).catch(() => undefined);
    if (info !== undefined && info.mtimeMs < dayAgo) await rm(path, { force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildDist();
