import { Command, Option } from "commander";
import { draftRun } from "../../core/intake/create-run.ts";
import { PIPELINE_PATHS } from "../../core/intake/gate.ts";
import { ensureHomeDirs, resolveHome } from "../node/home.ts";
import { checkoutTop, ciInit } from "../node/ci-init.ts";
import { CheckoutError, currentRef, findCommittedPipeline, openCheckout } from "../node/local-checkout.ts";
import { loadConfig } from "../node/config.ts";
import { createRunner } from "../node/runner.ts";
import { sandboxSetup } from "../node/sandbox-setup.ts";
import { validateCheckout } from "../node/validate-checkout.ts";
import { wireNode } from "../node/wire.ts";
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
    .description("run .quire/ci.ts of this checkout's commit here, recorded in the home like any run; exits non-zero unless it succeeds")
    .option("--sha <rev>", "the commit to run (default: HEAD)")
    .addOption(new Option("--executor <kind>", "where commands run (default: config.yml's executor)").choices(["host", "docker"]))
    .option(...homeOption)
    .action(async (opts: { sha?: string; executor?: "host" | "docker"; home?: string }) => {
      try {
        process.exitCode = await runHere(opts);
      } catch (error) {
        if (error instanceof CheckoutError) return fail(error.message, 2);
        throw error;
      }
    });
  ci.command("init")
    .description("start a pipeline in this checkout: .quire/ci.ts, plus quire-ci.d.ts and tsconfig.json so editors type-check it")
    .option("--force", "replace files that already exist")
    .action(async (opts: { force?: boolean }) => {
      try {
        const top = await checkoutTop(process.cwd());
        const result = await ciInit(top, { force: opts.force === true });
        for (const path of result.written) say(`wrote ${path}`);
        for (const path of result.kept) say(`kept ${path} (exists; --force replaces it)`);
        say("next: commit .quire/ and push; `quire ci validate` checks the pipeline first");
      } catch (error) {
        if (error instanceof CheckoutError) return fail(error.message, 2);
        throw error;
      }
    });
  ci.command("validate")
    .description("load and check the pipeline without running it: the working tree by default, or a commit with --sha")
    .option("--sha <rev>", "check this commit instead of the working tree")
    .action(async (opts: { sha?: string }) => {
      try {
        const result = await validateCheckout(process.cwd(), opts.sha);
        if (!result.ok) return fail(result.error);
        say(`${result.value.path}: ${result.value.jobs.length} job(s), in order:`);
        for (const job of result.value.jobs) say(`  ${job.id} ← ${job.inputs.join(", ")}`);
      } catch (error) {
        if (error instanceof CheckoutError) return fail(error.message, 2);
        throw error;
      }
    });
  return ci;
}

async function runHere(opts: { sha?: string; executor?: "host" | "docker"; home?: string }): Promise<number> {
  const home = resolveHome(opts.home);
  await ensureHomeDirs(home);
  const config = await loadConfig(home.config);
  const checkout = await openCheckout(process.cwd(), home.repos, opts.sha ?? "HEAD");
  const pipeline = await findCommittedPipeline(checkout, PIPELINE_PATHS);
  if (pipeline === null) {
    fail(`commit ${checkout.sha.slice(0, 12)} has no pipeline (${PIPELINE_PATHS.join(", ")}); commit one first`);
    return 1;
  }
  const sandbox = await sandboxSetup(config);
  const base = wireNode(home);
  const runner = createRunner(home, { ...config, ...(opts.executor ? { executor: opts.executor } : {}) }, base, {
    onEvent: terminalReporter(say),
    gitDirOf: () => checkout.gitDir,
    ...(sandbox === undefined ? {} : { sandbox }),
  });
  const ref = await currentRef(checkout);
  const run = await base.store.createRun(
    draftRun(
      { repo: checkout.repo, update: { ref, old_sha: "0".repeat(40), new_sha: checkout.sha }, pushed_at: base.clock.now(), pipeline },
      base.ids,
      base.clock,
    ),
  );
  say(`quire: run ${checkout.repo}#${run.meta.number} (${run.meta.run_id}) of ${checkout.sha.slice(0, 12)} on ${ref}`);
  const stop = () => void runner.queue.cancel(run);
  process.once("SIGINT", stop);
  runner.queue.enqueue(run);
  await runner.queue.idle();
  process.off("SIGINT", stop);
  await runner.stop();
  base.close();
  const done = await base.store.getRun(run.meta.repo, run.meta.run_id);
  const outcome = done?.state.outcome ?? "unknown";
  say(`run ${outcome}${done?.state.error ? `: ${done.state.error}` : ""}`);
  return outcome === "succeeded" ? 0 : 1;
}
