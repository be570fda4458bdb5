/**
 * The CLI's entry, built to dist/quire.js (bin/quire.js loads it). Every push runs the hook,
 * so the hook path loads only what it uses; the full CLI (and whatever a command needs
 * beyond that) is imported on demand.
 */
export async function main(argv: string[]): Promise<void> {
  quietOnClosedPipe();
  const [command, sub, ...rest] = argv.slice(2);
  try {
    const handled = command === "hook" && sub === "post-receive" && (await (await import("./hook-entry.ts")).fastPostReceive(rest));
    if (!handled) {
      const { buildCli } = await import("./main.ts");
      await buildCli().parseAsync(argv);
    }
  } catch (error) {
    const { describeFailure } = await import("./report-failure.ts");
    const line = describeFailure(error);
    if (line === undefined) throw error;
    process.stderr.write(`quire: ${line}\n`);
    process.exitCode = 1;
  }
}

await main(process.argv);

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
