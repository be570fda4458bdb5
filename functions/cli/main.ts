import { Command } from "commander";
import { packageVersion } from "../../adapters/package/package-files.ts";

/**
 * Each command's module and whatever it imports, loaded on demand: `quire serve` loads the
 * server's modules, not `ci run`'s or `gc`'s. The order here is the order `--help` lists.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
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

/** Commands whose logs go to log collectors (journald, docker logs) as JSON lines. */
const MACHINE_LOGS = new Set(["serve", "runner"]);

/**
 * The program for `argv`: with only the command argv names when it names one (its options,
 * help and errors are that command's alone), with every command otherwise (`--help`, a
 * typo, no command).
 */
export async function buildCli(argv: string[]): Promise<Command> {
  const named = argv[2];
  const names = named !== undefined && Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
  const program = new Command("quire")
    .description("CI run orchestrator for self-hosted git: a push runs .quire/ci.ts and keeps every run as plain files")
    .version(packageVersion(), "-V, --version", "print the version of quire")
    .showHelpAfterError();
  for (const command of await Promise.all(names.map((name) => COMMANDS[name]!()))) program.addCommand(command);
  program.hook("preAction", (_program, command) => {
    // Servers keep JSON logs for machines; every other command is read by a person.
    let top = command;
    while (top.parent && top.parent !== program) top = top.parent;
    if (!MACHINE_LOGS.has(top.name())) process.env.QUIRE_LOG_FORMAT ??= "line";
  });
  return program;
}
