import { Command, Option } from "commander";
import { draftRun } from "../../core/intake/create-run.ts";
import { PIPELINE_PATHS } from "../../core/intake/gate.ts";
import { err, ok, type Result } from "../../core/result.ts";
import { ensureHomeDirs, resolveHome } from "../node/home.ts";
import { checkoutTop, ciInit } from "../node/ci-init.ts";
import { openCheckout, type CheckoutTarget } from "../node/local-checkout.ts";
import { loadConfig } from "../node/config.ts";
import { createRunner } from "../node/runner.ts";
import { sandboxSetup } from "../node/sandbox-setup.ts";
import { validateCheckout } from "../node/validate-checkout.ts";
import { wireHome } from "../node/wire-home.ts";
import { homeOption } from "./options.ts";
import { terminalReporter } from "./run-reporter.ts";

const say = (line: string) => process.stdout.write(line + "\n");
const fail = (line: string, code = 1) => {
  process.stderr.write(`quire: ${line}\n`);
  process.exitCode = code;
};

export function ciCommand(): Command {
  const ci = new Command("ci").description("run or check the pipeline of the git checkout you are in");
  ci.command("run")
    .description("run the pipeline of this checkout's working tree here (staged, unstaged and untracked files, minus ignored ones), recorded in the home like any run; exits non-zero unless it succeeds")
    .option("--committed", "run HEAD as committed instead of the working tree")
    .option("--sha <rev>", "run this commit; the run is recorded under the ref the rev names (a sha: detached)")
    .addOption(new Option("--executor <kind>", "where commands run (default: config.yml's executor)").choices(["host", "docker"]))
    .option(...homeOption)
    .action(async (opts: TargetOptions & { executor?: "host" | "docker"; home?: string }) => {
      const target = targetOf(opts);
      if (!target.ok) return fail(target.error, 2);
      process.exitCode = await runHere(target.value, opts);
    });
  ci.command("init")
    .description("start a pipeline in this checkout: .quire/ci.ts, plus quire-ci.d.ts and tsconfig.json so editors type-check it")
    .option("--force", "replace files that already exist")
    .action(async (opts: { force?: boolean }) => {
      const top = await checkoutTop(process.cwd());
      if (!top.ok) return fail(top.error, 2);
      const result = await ciInit(top.value, { force: opts.force === true });
      for (const path of result.written) say(`wrote ${path}`);
      for (const path of result.kept) say(`kept ${path} (exists; --force replaces it)`);
      say("next: `quire ci validate` checks it and `quire ci run` runs it here, uncommitted; commit .quire/ and push to run it on the server");
    });
  ci.command("validate")
    .description("load the pipeline in the run sandbox and check its jobs without running them: the working tree, as `ci run` takes it, by default")
    .option("--committed", "check HEAD as committed instead of the working tree")
    .option("--sha <rev>", "check this commit instead of the working tree")
    .option(...homeOption)
    .action(async (opts: TargetOptions & { home?: string }) => {
      const target = targetOf(opts);
      if (!target.ok) return fail(target.error, 2);
      const config = await loadConfig(resolveHome(opts.home).config);
      const result = await validateCheckout(process.cwd(), target.value, config);
      if (!result.ok) return fail(result.error.message, result.error.usage ? 2 : 1);
      say(`${result.value.path} in ${result.value.description}: ${result.value.jobs.length} job(s), in order:`);
      for (const job of result.value.jobs) say(`  ${job.id} ← ${job.inputs.join(", ")}`);
    });
  return ci;
}

interface TargetOptions {
  committed?: boolean;
  sha?: string;
}

function targetOf(opts: TargetOptions): Result<CheckoutTarget, string> {
  if (opts.committed === true && opts.sha !== undefined) return err("--committed and --sha name two different commits; give one");
  if (opts.sha !== undefined) return ok({ kind: "rev", rev: opts.sha });
  return ok({ kind: opts.committed === true ? "committed" : "working-tree" });
}

async function runHere(target: CheckoutTarget, opts: { executor?: "host" | "docker"; home?: string }): Promise<number> {
  const home = resolveHome(opts.home);
  const opened = await openCheckout(process.cwd(), home.repos, target);
  if (!opened.ok) {
    fail(opened.error, 2);
    return 2;
  }
  const checkout = opened.value;
  const pipeline = checkout.pipeline;
  if (pipeline === null) {
    fail(`${checkout.description} has no pipeline (${PIPELINE_PATHS.join(", ")})`);
    return 1;
  }
  await ensureHomeDirs(home);
  const config = await loadConfig(home.config);
  const sandbox = await sandboxSetup(config);
  // Recorded under the home's files whatever the store: the commit may exist only in this checkout, so no runner elsewhere may claim it.
  const local = { ...config, store: { kind: "fs" as const }, ...(opts.executor ? { executor: opts.executor } : {}) };
  const base = await wireHome(home, local, { gitDirOf: () => checkout.gitDir, ...(sandbox === undefined ? {} : { sandbox }) });
  const runner = createRunner(base, { onEvent: terminalReporter(say) });
  const ref = checkout.ref;
  const run = await base.store.createRun(
    draftRun(
      { repo: checkout.repo, update: { ref, old_sha: "0".repeat(40), new_sha: checkout.sha }, pushed_at: base.clock.now(), pipeline },
      base.ids,
      base.clock,
    ),
  );
  say(`quire: run ${checkout.repo}#${run.meta.number} (${run.meta.run_id}) of ${checkout.description} on ${ref}`);
  const stop = () => void runner.queue.cancel(run);
  process.once("SIGINT", stop);
  runner.queue.enqueue(run);
  await runner.queue.idle();
  process.off("SIGINT", stop);
  await runner.stop();
  await base.close();
  const done = await base.store.getRun(run.meta.repo, run.meta.run_id);
  const outcome = done?.state.outcome ?? "unknown";
  say(`run ${outcome}${done?.state.error ? `: ${done.state.error}` : ""}`);
  return outcome === "succeeded" ? 0 : 1;
}
