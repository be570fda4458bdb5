import { setFlagsFromString } from "node:v8";

/**
 * The CLI's entry, built to dist/quire.js (bin/quire.js loads it; the post-receive hook has
 * its own bundle, dist/hook.cjs). Whatever a command needs beyond the command table is
 * imported on demand.
 */
export async function main(argv: string[]): Promise<void> {
  quietOnClosedPipe();
  // Starting allocates much that dies at once, for which V8 would double the young
  // generation twice over; a server then idles with those pages resident (some 2 MB).
  setFlagsFromString("--semi-space-growth-factor=1");
  try {
    const { buildCli } = await import("./main.ts");
    await (await buildCli(argv)).parseAsync(argv);
    // Started (a server's action returns once it listens): the young generation grows with the load again.
    setFlagsFromString("--semi-space-growth-factor=2");
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
