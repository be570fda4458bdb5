import { Command } from "commander";
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

export function buildCli(): Command {
  const program = new Command("quire")
    .description("CI run orchestrator for self-hosted git: a push runs .quire/ci.ts and keeps every run as plain files")
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
  return program;
}
