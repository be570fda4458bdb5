/**
 * Issue 8 items 4 and 5 through real pushes to a real server on the host executor: a job's
 * commands run in the run's bubblewrap sandbox, and each case asserts the attack had no
 * effect (token unread and unpublished, bare repo unchanged, no process left behind).
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { apiTexts, filesContaining, pushRun } from "../support/hostile.ts";
import { readLog, waitForRun } from "../support/runs-api.ts";
import { useServedRepo } from "../support/use-served-repo.ts";

const served = useServedRepo({ config: "run_timeout_minutes: 2\n" });

async function tokenStayed(runId: string): Promise<void> {
  expect((await filesContaining(served.home, served.server.token)).map((path) => path.slice(served.home.length))).toEqual(["/hook.token"]);
  expect(await apiTexts(served.server, runId)).not.toContain(served.server.token);
}

/** Host processes whose command line contains `needle`. */
async function processesWith(needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).replaceAll("\0", " ");
    if (cmdline.includes(needle)) found.push(`${pid}: ${cmdline}`);
  }
  return found;
}

describe("host jobs inside the run's sandbox", () => {
  it("4: cannot read the hook token, by relative path, absolute path or a hardlink, and cannot publish it", async () => {
    const token = join(served.home, "hook.token");
    const id = await pushRun(
      served.clone,
      "token",
      `import { job } from "quire/ci";
job("steal", ["quire/push"], async ({ sh, readFile }) => {
  const tries = {};
  for (const [name, cmd] of [["relative", "cat ../../hook.token"], ["absolute", "cat ${token}"], ["link", "ln ${token} stolen && echo linked"]]) {
    const r = await sh(cmd, { nothrow: true });
    tries[name] = r.exitCode;
  }
  tries.read = await readFile("stolen").then(() => "read", (e) => "refused");
  tries.uid = (await sh(["id", "-u"])).stdout.trim();
  return tries;
});
`,
    );
    const run = await waitForRun(served.server, id);
    expect(run.status).toBe("complete");
    const body = (await (await served.server.request(`/runs/${id}`)).json()) as { jobs: { id: string; receipt: { outputs: Record<string, unknown> } }[] };
    const outputs = body.jobs.find((job) => job.id === "steal")?.receipt.outputs ?? {};
    expect(outputs).toMatchObject({ read: "refused" });
    for (const name of ["relative", "absolute", "link"]) expect(outputs[name]).not.toBe(0);
    // Jobs never run as root.
    expect(outputs.uid).not.toBe("0");
    await tokenStayed(id);
  });

  it("4: cannot write into the bare repo or reach the docker socket from a command", async () => {
    const hook = join(served.home, "repos", "demo.git", "hooks", "post-receive");
    const before = createHash("sha256").update(await readFile(hook)).digest("hex");
    const id = await pushRun(
      served.clone,
      "repo-write",
      `import { job } from "quire/ci";
job("write", ["quire/push"], async ({ sh }) => {
  await sh("echo 'echo owned' >> ${hook}");
});
job("docker", ["quire/push"], async ({ sh }) => {
  await sh("test -S /var/run/docker.sock");
});
`,
    );
    const run = await waitForRun(served.server, id);
    expect(run).toMatchObject({ status: "failed", outcome: "failed" });
    expect(createHash("sha256").update(await readFile(hook)).digest("hex")).toBe(before);
    expect(await readLog(served.server, id, "write")).toMatch(/No such file or directory|can't create|cannot create/);
    await tokenStayed(id);
  });

  it("5: a setsid'd background process ends with its run", async () => {
    const marker = `1000.${process.pid}${Date.now() % 100_000}`;
    const id = await pushRun(
      served.clone,
      "setsid",
      `import { job } from "quire/ci";
job("escape", ["quire/push"], async ({ sh }) => {
  await sh("setsid sleep ${marker} >/dev/null 2>&1 &");
  await sh("sleep 0.3");
});
`,
    );
    const run = await waitForRun(served.server, id);
    expect(run).toMatchObject({ status: "complete", outcome: "succeeded" });
    const deadline = Date.now() + 5_000;
    while ((await processesWith(`sleep ${marker}`)).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await processesWith(`sleep ${marker}`)).toEqual([]);
    // Nothing to record per run any more: no process directories pile up.
    expect(await readdir(join(served.home, "workspaces", ".processes")).catch(() => [])).not.toContain(id);
  });
});
