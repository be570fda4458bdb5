import { readdir, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";
import { WorkClone } from "./git.ts";
import type { ServerProcess } from "./quire-process.ts";
import { runIdsFromPush } from "./runs-api.ts";

/** Commits `pipeline` (and `extra` files) and pushes it to `branch`; the id of the run the hook reported. */
export async function pushRun(clone: WorkClone, branch: string, pipeline: string, extra: Record<string, string> = {}): Promise<string> {
  await clone.commit({ ".quire/ci.ts": pipeline, ...extra }, `pipeline for ${branch}`);
  const [id] = runIdsFromPush(await clone.push(["origin", `HEAD:refs/heads/${branch}`, "--force"]));
  if (!id) throw new Error(`the push to ${branch} created no run`);
  return id;
}

/** Every file under `dir` whose bytes contain `needle`. */
export async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const bytes = await readFile(path).catch(() => undefined);
    if (bytes?.includes(needle)) found.push(path);
  }
  return found;
}

/** What the API serves about a run: the run, the list, and every log of every job. */
export async function apiTexts(server: ServerProcess, runId: string): Promise<string> {
  const texts: string[] = [];
  const run = await server.request(`/runs/${runId}`);
  const body = await run.text();
  texts.push(body, await (await server.request("/runs?limit=100")).text());
  const jobs = (JSON.parse(body) as { jobs?: { id: string; logs: number[] }[] }).jobs ?? [];
  for (const job of jobs) {
    for (const n of job.logs) texts.push(await (await server.request(`/runs/${runId}/jobs/${encodeURIComponent(job.id)}/logs/${n}`)).text());
  }
  return texts.join("\n");
}

/**
 * Processes in this (the host's) pid namespace whose argv or environment holds `needle`:
 * what `ps` would show. Commands inside containers and sandboxes have their own namespace.
 */
export async function hostProcessesWith(needle: string): Promise<string[]> {
  const mine = await readlink("/proc/self/ns/pid");
  const hits: string[] = [];
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const ns = await readlink(`/proc/${pid}/ns/pid`).catch(() => undefined);
    if (ns !== mine) continue;
    for (const what of ["cmdline", "environ"]) {
      const bytes = await readFile(`/proc/${pid}/${what}`).catch(() => undefined);
      if (bytes?.includes(needle)) hits.push(`${pid} ${what}: ${bytes.toString().replaceAll("\0", " ").slice(0, 200)}`);
    }
  }
  return hits;
}
