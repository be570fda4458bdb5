import { Command } from "commander";
import { packageVersion } from "../../adapters/package/package-files.ts";
import { ciCommand } from "./ci-command.ts";
import { deliveriesCommand } from "./deliveries-command.ts";
import { doctorCommand } from "./doctor-command.ts";
import { gcCommand } from "./gc-command.ts";
import { hookCommand } from "./hook-command.ts";
import { hooksCommand } from "./hooks-command.ts";
import { indexCommand } from "./index-command.ts";
import { reconcileCommand } from "./reconcile-command.ts";
import { repoCommand } from "./repo-command.ts";
import { runsCommand } from "./runs-command.ts";
import { runnerCommand } from "./runner-command.ts";
import { serveCommand } from "./serve-command.ts";

/** Commands whose logs go to log collectors (journald, docker logs) as JSON lines. */
const MACHINE_LOGS = new Set(["serve", "runner"]);

export function buildCli(): Command {
  const program = new Command("quire")
    .description("CI run orchestrator for self-hosted git: a push runs .quire/ci.ts and keeps every run as plain files")
    .version(packageVersion(), "-V, --version", "print the version of quire")
    .showHelpAfterError()
    .addCommand(serveCommand())
    .addCommand(runnerCommand())
    .addCommand(repoCommand())
    .addCommand(hookCommand())
    .addCommand(reconcileCommand())
    .addCommand(ciCommand())
    .addCommand(runsCommand())
    .addCommand(indexCommand())
    .addCommand(gcCommand())
    .addCommand(hooksCommand())
    .addCommand(doctorCommand())
    .addCommand(deliveriesCommand());
  program.hook("preAction", (_program, command) => {
    // Servers keep JSON logs for machines; every other command is read by a person.
    let top = command;
    while (top.parent && top.parent !== program) top = top.parent;
    if (!MACHINE_LOGS.has(top.name())) process.env.QUIRE_LOG_FORMAT ??= "line";
  });
  return program;
}
