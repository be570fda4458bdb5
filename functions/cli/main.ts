import type { Command } from "commander";
import { cliProgram, type CommandTable } from "./cli-program.ts";

/**
 * Each command's module and whatever it imports, loaded on demand: `quire serve` loads the
 * server's modules, not `ci run`'s or `gc`'s. The order here is the order `--help` lists.
 */
const COMMANDS: CommandTable = {
  serve: async () => (await import("./serve-command.ts")).serveCommand(),
  runner: async () => (await import("./runner-command.ts")).runnerCommand(),
  repo: async () => (await import("./repo-command.ts")).repoCommand(),
  hook: async () => (await import("./hook-command.ts")).hookCommand(),
  reconcile: async () => (await import("./reconcile-command.ts")).reconcileCommand(),
  ci: async () => (await import("./ci-command.ts")).ciCommand(),
  runs: async () => (await import("./runs-command.ts")).runsCommand(),
  index: async () => (await import("./index-command.ts")).indexCommand(),
  gc: async () => (await import("./gc-command.ts")).gcCommand(),
  hooks: async () => (await import("./hooks-command.ts")).hooksCommand(),
  doctor: async () => (await import("./doctor-command.ts")).doctorCommand(),
  deliveries: async () => (await import("./deliveries-command.ts")).deliveriesCommand(),
};

/** The program for `argv` with every command (see cli-program.ts). */
export function buildCli(argv: string[]): Promise<Command> {
  return cliProgram(argv, COMMANDS);
}
