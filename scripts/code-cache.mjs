// The V8 code cache of dist/serve.cjs (bin/code-cache.js loads it): made by starting the built
// server once in a scratch home, answering /health, and stopping it, so the cache holds what a
// start compiles. `sandbox: off` there: the build must not depend on bubblewrap, and that
// start runs nothing. Best effort: without a cache the server starts as well, only compiles more.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The trailer that names a bundle's build; the cache file is named by the same id. */
export function withBuildId(text) {
  const id = createHash("sha256").update(text).digest("hex").slice(0, 24);
  return { id, text: `${text}\n//# quire-build=${id}\n` };
}

/** Writes `<serveFile>.<id>.cache`; returns its path, or undefined (with a warning) when the start failed. */
export async function writeServeCodeCache({ bin, serveFile, id, timeoutMs = 30_000 }) {
  const home = await mkdtemp(join(tmpdir(), "quire-code-cache-"));
  const target = `${serveFile}.${id}.cache`;
  const temp = `${target}.${process.pid}.tmp`;
  try {
    await writeFile(join(home, "config.yml"), "sandbox: off\n");
    const child = spawn(process.execPath, [bin, "serve", "--home", home, "--port", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, QUIRE_CODE_CACHE_OUT: temp, QUIRE_LOG_LEVEL: "error" },
    });
    const exited = once(child, "exit");
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    try {
      const url = await new Promise((resolve, reject) => {
        let out = "";
        const timer = setTimeout(() => reject(new Error("did not start in time")), timeoutMs);
        child.stdout.on("data", (chunk) => {
          out += chunk;
          const match = /at (http:\/\/\S+)/.exec(out);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
        void exited.then(() => reject(new Error(`exited: ${stderr.trim().split("\n").at(-1)}`)));
      });
      const health = await fetch(new URL("/health", url));
      await health.arrayBuffer();
      if (health.status !== 200) throw new Error(`/health answered ${health.status}`);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    }
    await rename(temp, target);
    return target;
  } catch (error) {
    await rm(temp, { force: true });
    process.stderr.write(`quire: no code cache for dist/serve.cjs (${error.message}); the server starts without it, compiling more\n`);
    return undefined;
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
