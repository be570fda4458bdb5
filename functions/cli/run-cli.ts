import type { Command } from "commander";

/**
 * One CLI invocation, shared by both bundles that start the CLI: dist/quire.js (every
 * command, loaded on demand) and dist/serve.cjs (`quire serve` alone, see serve-main.ts).
 * `program` builds the commander program for argv.
 */
export async function runCli(argv: string[], program: (argv: string[]) => Promise<Command>): Promise<void> {
  await runAction(async () => {
    await (await program(argv)).parseAsync(argv);
  });
}

/** Runs a command's work with the CLI's handling of failures and of a closed stdout. */
export async function runAction(work: () => Promise<void>): Promise<void> {
  quietOnClosedPipe();
  try {
    await work();
  } catch (error) {
    const { describeFailure } = await import("./report-failure.ts");
    const line = describeFailure(error);
    if (line === undefined) throw error;
    process.stderr.write(`quire: ${line}\n`);
    process.exitCode = 1;
  }
}

/**
 * `quire runs show … | head -1`: the reader has gone, so there is nothing left to print to.
 * Stop there, as a Unix tool does, instead of dying with an EPIPE stack.
 */
function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
      process.exit(process.exitCode ?? 0);
    });
  }
}
