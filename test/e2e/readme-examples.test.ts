/**
 * Every pipeline README.md shows is pushed to a real served repo and must end as the README
 * says. An example is marked by an HTML comment just before its code block (invisible on a
 * rendered page):
 *
 *   <!-- example, run by test/e2e/readme-examples.test.ts:
 *     repo files: test/fixtures/<dir>            (optional: files committed beside the pipeline)
 *     to <branch>: run <outcome>; <job> <state>[ "<reason>"], …
 *   -->
 *
 * The block is a `ts` pipeline, or an `sh` block writing `.quire/ci.ts` with a heredoc.
 */
import { readFileSync } from "node:fs";
import { cp, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkClone } from "../support/git.ts";
import { quire, startServer, tempHome, type ServerProcess } from "../support/quire-process.ts";
import { waitForRun } from "../support/runs-api.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const MARKER = "<!-- example, run by test/e2e/readme-examples.test.ts";

interface Push {
  branch: string;
  outcome: string;
  jobs: { id: string; state: string; reason?: string }[];
}

interface Example {
  line: number;
  pipeline: string;
  files?: string;
  pushes: Push[];
}

function parseExamples(markdown: string): Example[] {
  const found: Example[] = [];
  const pattern = /<!-- example, run by test\/e2e\/readme-examples\.test\.ts[^:\n]*:\n([\s\S]*?)-->\n```(ts|sh)\n([\s\S]*?)\n```/g;
  for (const match of markdown.matchAll(pattern)) {
    const [, spec = "", lang, body = ""] = match;
    const line = markdown.slice(0, match.index).split("\n").length;
    const pipeline = lang === "ts" ? body : /\.quire\/ci\.ts <<'TS'\n([\s\S]*?)\nTS\n/.exec(body)?.[1];
    if (pipeline === undefined) throw new Error(`README.md:${line}: an sh example must write .quire/ci.ts with <<'TS'`);
    const example: Example = { line, pipeline: pipeline + "\n", pushes: [] };
    for (const raw of spec.split("\n").map((l) => l.trim()).filter(Boolean)) {
      const files = /^repo files: (\S+)$/.exec(raw);
      if (files) {
        example.files = files[1] as string;
        continue;
      }
      const push = /^to (\S+): run (\S+); (.+)$/.exec(raw);
      if (!push) throw new Error(`README.md:${line}: cannot read ${JSON.stringify(raw)}`);
      const jobs = (push[3] as string).split(/,\s*/).map((part) => {
        const job = /^(\S+) (\S+)(?: "([^"]*)")?$/.exec(part);
        if (!job) throw new Error(`README.md:${line}: cannot read job ${JSON.stringify(part)}`);
        return { id: job[1] as string, state: job[2] as string, ...(job[3] === undefined ? {} : { reason: job[3] }) };
      });
      example.pushes.push({ branch: push[1] as string, outcome: push[2] as string, jobs });
    }
    found.push(example);
  }
  return found;
}

const examples = parseExamples(README);

let home: string;
let server: ServerProcess;
const cleanup: string[] = [];

beforeAll(async () => {
  home = await tempHome("quire-readme-");
  cleanup.push(home);
  const config = 'concurrency: 4\nrun_timeout_minutes: 2\nsecrets:\n  deploy-token: "readme-example-token"\n';
  await writeFile(join(home, "config.yml"), config);
  server = await startServer(home);
});

afterAll(async () => {
  await server?.stop();
  await Promise.all(cleanup.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("README.md examples", () => {
  it("marks every pipeline it shows, so none goes untested", () => {
    const tsPipelines = [...README.matchAll(/```ts\n([\s\S]*?)\n```/g)].filter((m) => m[1]?.includes('from "quire/ci"')).length;
    const shPipelines = [...README.matchAll(/```sh\n([\s\S]*?)\n```/g)].filter((m) => m[1]?.includes(".quire/ci.ts <<")).length;
    expect(examples.length).toBe(tsPipelines + shPipelines);
    // Markers open a line; the Contributing section quotes one mid-line.
    expect(README.split("\n").filter((line) => line.startsWith(MARKER)).length).toBe(examples.length);
    expect(examples.length).toBeGreaterThanOrEqual(2);
    for (const example of examples) expect(example.pushes.length, `README.md:${example.line}`).toBeGreaterThan(0);
  });

  it("each example, pushed to a served repo, ends as the README says", async () => {
    await Promise.all(examples.map((example, index) => pushExample(example, `readme-${index}.git`)));
  }, 90_000);
});

async function pushExample(example: Example, repo: string): Promise<void> {
  const made = await quire(["repo", "new", repo, "--home", home]);
  expect(made.exitCode, made.stderr).toBe(0);
  // The path `quire repo new` prints is the one to clone, as the README tells its reader.
  const remote = /push to: (\S+)/.exec(made.stdout)?.[1];
  expect(remote).toBe(join(home, "repos", repo));
  const clone = await WorkClone.of(remote as string);
  cleanup.push(dirname(clone.dir));
  // fs.cp keeps file modes: deploy.sh stays executable.
  if (example.files !== undefined) await cp(join(ROOT, example.files), clone.dir, { recursive: true });
  await clone.commit({ ".quire/ci.ts": example.pipeline }, `README.md:${example.line}`);
  // All pushes first, then the waits: the server runs them side by side (concurrency: 4).
  // Runs are found by alias, not by the id the hook prints: on a loaded machine the hook may
  // give up waiting and spool the event, which the server still delivers.
  for (const push of example.pushes) await clone.push(["origin", `HEAD:refs/heads/${push.branch}`]);
  await Promise.all(example.pushes.map((push) => expectRun(example, repo, push)));
}

async function expectRun(example: Example, repo: string, push: Push): Promise<void> {
  const run = await waitForRun(server, `${repo}@${push.branch}`, undefined, 80_000);
  const where = `README.md:${example.line} to ${push.branch} (${run.error ?? "no error"})`;
  expect(run.outcome, where).toBe(push.outcome);
  const jobs = (run.jobs ?? []) as { id: string; receipt: { state?: string; error?: string | null } | null }[];
  expect(jobs.map((j) => j.id).sort(), where).toEqual(push.jobs.map((j) => j.id).sort());
  for (const expected of push.jobs) {
    const receipt = jobs.find((j) => j.id === expected.id)?.receipt;
    expect(receipt?.state, `${where}: job ${expected.id}`).toBe(expected.state);
    if (expected.reason !== undefined) expect(receipt?.error, `${where}: job ${expected.id}`).toBe(expected.reason);
  }
}
