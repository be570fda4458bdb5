import { apiClient, ApiError, type ApiClient } from "../http/api-client.ts";
import { readHookToken, readServerUrl, resolveHome, type Home } from "../node/home.ts";

/** A failure the user caused or can fix: one line on stderr, exit 1, no stack. */
export class CliFailure extends Error {}

/** The API client of the server named in `<home>/server.url`, with the home's token. */
export async function connect(home: Home): Promise<ApiClient> {
  const url = await readServerUrl(home);
  if (!url) throw new CliFailure(`no quire server is running for ${home.root} (start one with \`quire serve\`)`);
  const token = await readHookToken(home).catch(() => "");
  return apiClient({ baseUrl: url, token });
}

/** Every subcommand that talks to the server: a home, errors as one line on stderr and exit 1. */
export function action<A extends unknown[]>(work: (home: Home, ...args: A) => Promise<void>) {
  // commander calls back with (...positional, options, command)
  return async (...args: unknown[]) => {
    const opts = args[args.length - 2] as { home?: string };
    try {
      await work(resolveHome(opts.home), ...(args.slice(0, -1) as A));
    } catch (error) {
      const message = failureMessage(error);
      if (message === undefined) throw error;
      process.stderr.write(`quire: ${message}\n`);
      process.exitCode = 1;
    }
  };
}

/** What the user reads for an expected failure; undefined for a bug, which keeps its stack. */
function failureMessage(error: unknown): string | undefined {
  if (error instanceof CliFailure) return error.message;
  if (!(error instanceof ApiError)) return undefined;
  return error.candidates.length ? `${error.message}\n  candidates: ${error.candidates.join(", ")}` : error.message;
}
