import { describe, expect, it } from "vitest";
import { quire } from "../support/quire-process.ts";
import { waitForRun } from "../support/runs-api.ts";
import { useServedRepo } from "../support/use-served-repo.ts";

const served = useServedRepo();
const run = served.cli;
const push = served.pushPipeline;

/** Following, a command's header can come before its exit is known; the exit then follows its output on a line of its own. */
function exitsOnHeaders(lines: string[]): string[] {
  const open = new Map<string, number>();
  const out: string[] = [];
  for (const line of lines) {
    const header = /^(\[[^\]]+\]) \$ .*[^)]$/.exec(line);
    const exit = /^(\[[^\]]+\]) (exit \d+.*)$/.exec(line);
    if (header?.[1]) open.set(header[1], out.length);
    if (exit?.[1] && open.has(exit[1])) {
      const at = open.get(exit[1]) as number;
      out[at] = `${out[at]}  (${exit[2]})`;
      open.delete(exit[1]);
      continue;
    }
    out.push(line);
  }
  return out;
}

describe("quire runs against a running server", () => {
  let first: string;

  it("follows a run's logs until it ends, then lists and shows it", async () => {
    first = await push("main", `import { job } from "quire/ci";
job("build", ["quire/push"], async ({ sh }) => { await sh("echo one; sleep 0.3; echo two"); return {}; });
job("test", ["build"], async ({ sh }) => { await sh("echo tested"); return {}; });
`);
    const logs = await run("runs", "logs", "demo.git@main", "-f", "--poll-ms", "100");
    expect(logs.code, `${logs.stderr}\n${logs.stdout}`).toBe(0);
    // Following, a command's header may come before its exit code is known; the code then follows its output.
    expect(exitsOnHeaders(logs.stdout.trimEnd().split("\n"))).toEqual([
      "[build] $ echo one; sleep 0.3; echo two  (exit 0)",
      "[build] one",
      "[build] two",
      expect.stringMatching(/^\[build\] succeeded in \d+\.\d s$/),
      "[test] $ echo tested  (exit 0)",
      "[test] tested",
      expect.stringMatching(/^\[test\] succeeded in \d+\.\d s$/),
      "run succeeded",
    ]);

    const list = await run("runs", "list");
    expect(list.stdout).toMatch(/^RUN\s+STATUS\s+REF/);
    expect(list.stdout).toMatch(/demo\.git#1\s+succeeded\s+refs\/heads\/main/);
    const json = JSON.parse((await run("runs", "list", "--json", "--repo", "demo.git")).stdout) as { runs: { run_id: string }[] };
    expect(json.runs.map((r) => r.run_id)).toEqual([first]);

    const show = await run("runs", "show", "demo.git#1");
    expect(show.stdout).toMatch(/^demo\.git#1 {2}succeeded\n/);
    expect(show.stdout).toMatch(/build\s+succeeded\s+\d+\.\d s\s+exits 0\s+logs sh-1/);
    expect(show.stdout).toMatch(/test\s+succeeded/);
    const shown = JSON.parse((await run("runs", "show", first, "--json")).stdout) as { alias: string; jobs: { id: string }[] };
    expect(shown).toMatchObject({ alias: "demo.git#1" });
    expect(shown.jobs.map((j) => j.id)).toEqual(["build", "test"]);

    const onlyTest = await run("runs", "logs", "demo.git#1", "--job", "test", "--json");
    const lines = onlyTest.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([{ job: "test", n: 1, time: expect.any(String), stream: "stdout", text: "tested" }]);
  });

  // Generous waits: on a busy two-core machine a queued run can take a while to start.
  it("retries and cancels by alias", async () => {
    const retry = await run("runs", "retry", "demo.git#1");
    expect(retry.stdout).toMatch(/^queued demo\.git#2 \(/);
    await waitForRun(served.server, "demo.git#2", undefined, 120_000);

    const slow = await push("slow", `import { job } from "quire/ci";
job("wait", ["quire/push"], async ({ sh }) => { await sh("sleep 30"); return {}; });
`);
    // Cancel once its sleep runs: a job cancelled before it starts is recorded as skipped, not cancelled.
    await waitForRun(served.server, slow, (r) => r.jobs.some((j) => (j.live?.sh.length ?? 0) > 0), 120_000);
    const cancel = await run("runs", "cancel", "demo.git@slow");
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toMatch(/^(stopping|cancelled) demo\.git#3/);
    const ended = await waitForRun(served.server, "demo.git@refs/heads/slow", undefined, 120_000);
    expect(ended).toMatchObject({ status: "failed", outcome: "cancelled" });
    // Cancelled everywhere a person looks: the list, the run, its job, its logs.
    expect((await run("runs", "list")).stdout).toMatch(/^demo\.git#3\s+cancelled\s+refs\/heads\/slow\s/m);
    const shown = await run("runs", "show", "demo.git#3");
    expect(shown.stdout).toMatch(/^demo\.git#3 {2}cancelled\n/);
    expect(shown.stdout).toMatch(/^ {4}wait\s+cancelled\s+\d+\.\d s\s+exits cancelled\s+logs sh-1$/m);
    const logs = await run("runs", "logs", "demo.git#3");
    expect(logs.code).toBe(1);
    expect(logs.stdout).toMatch(/^\[wait\] \$ sleep 30 {2}\(exit \d+, cancelled\)$/m);
    expect(logs.stdout).toMatch(/^\[wait\] cancelled in /m);
    expect(logs.stdout).toMatch(/^run cancelled: cancelled by /m);
  }, 300_000);

  it("prints the next page's command with the same filters and home", async () => {
    const page = await run("runs", "list", "--repo", "demo.git", "--limit", "2");
    expect(page.stdout).toMatch(/demo\.git#3[\s\S]*demo\.git#2/);
    const hint = /^more: quire runs list (.+)$/m.exec(page.stderr)?.[1] ?? "";
    expect(hint).toMatch(new RegExp(`^--home ${served.home} --repo demo\\.git --limit 2 --cursor \\S+$`));
    const next = await quire(["runs", "list", ...hint.split(" ")]);
    expect(String(next.stdout).split("\n").filter((line) => line.startsWith("demo.git#"))).toEqual([expect.stringMatching(/^demo\.git#1\s/)]);
  });

  it("says clearly what it cannot find", async () => {
    const unknown = await run("runs", "show", "demo.git#99");
    expect(unknown).toMatchObject({ code: 1, stdout: "" });
    expect(unknown.stderr).toBe("quire: no run demo.git#99");
    expect((await run("runs", "show", "not an alias")).stderr).toMatch(/^quire: .*not a run reference/);
    expect((await run("runs", "logs", "demo.git@nope")).code).toBe(1);
  });

  it("index rebuild asks the running server, and works on the files when none runs", async () => {
    const viaServer = await run("index", "rebuild");
    expect(viaServer.stdout).toMatch(/^repaired by the server at http:\S+: 3 runs indexed \(added 0, updated 0, removed 0\)/);
    await served.server.stop();
    const direct = JSON.parse((await run("index", "rebuild", "--json")).stdout) as Record<string, unknown>;
    expect(direct).toMatchObject({ total: 3, added: 0, removed: 0 });
    expect((await run("runs", "list")).stderr).toMatch(/no quire server is running/);
  });
});
