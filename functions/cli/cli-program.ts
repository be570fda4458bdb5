import { Command } from "commander";
import { packageVersion } from "../../adapters/package/package-files.ts";

/** Loads one command's module and builds its commander command. */
export type CommandTable = Record<string, () => Promise<Command>>;

/** Commands whose logs go to log collectors (journald, docker logs) as JSON lines. */
const MACHINE_LOGS = new Set(["serve", "runner"]);

/**
 * The program for `argv` over a command table (main.ts has every command; serve-main.ts
 * `serve` alone): with only the command argv names when it names one (its options, help and
 * errors are that command's alone), with every command of the table otherwise (`--help`, a
 * typo, no command).
 */
export async function cliProgram(argv: string[], commands: CommandTable): Promise<Command> {
  const named = argv[2];
  const names = named !== undefined && Object.hasOwn(commands, named) ? [named] : Object.keys(commands);
  const program = new Command("quire")
    .description("CI run orchestrator for self-hosted git: a push runs .quire/ci.ts and keeps every run as plain files")
    .version(packageVersion(), "-V, --version", "print the version of quire")
    .showHelpAfterError();
  for (const command of await Promise.all(names.map((name) => commands[name]!()))) program.addCommand(command);
  program.hook("preAction", (_program, command) => {
    // Servers keep JSON logs for machines; every other command is read by a person.
    let top = command;
    while (top.parent && top.parent !== program) top = top.parent;
    if (!MACHINE_LOGS.has(top.name())) process.env.QUIRE_LOG_FORMAT ??= "line";
  });
  return program;
}
