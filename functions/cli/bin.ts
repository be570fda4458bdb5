/**
 * The CLI's entry, built to dist/quire.js (bin/quire.js loads it; the post-receive hook has
 * its own bundle, dist/hook.js). Whatever a command needs beyond the command table is
 * imported on demand.
 */
export async function main(argv: string[]): Promise<void> {
  try {
    const { buildCli } = await import("./main.ts");
    await (await buildCli(argv)).parseAsync(argv);
  } catch (error) {
    const { describeFailure } = await import("./report-failure.ts");
    const line = describeFailure(error);
    if (line === undefined) throw error;
    process.stderr.write(`quire: ${line}\n`);
    process.exitCode = 1;
  }
}

await main(process.argv);
