import { portNumber, publicUrlProblem } from "./option-values.ts";

/** `quire serve`'s options, as its action takes them (serve-action.ts). */
export interface ServeArgs {
  home?: string;
  port: number;
  host: string;
  publicUrl?: string;
  runner: boolean;
}

export const SERVE_DEFAULTS = { port: 8787, host: "127.0.0.1" } as const;

const VALUED = new Set(["--home", "--port", "--host", "--public-url"]);

/**
 * The arguments after `serve` when they are plain: each option known, given once, as
 * `--name value` or `--name=value`, with a value the option takes. A start then skips
 * building commander's program (its module's own start-up, help texts, parsers) before the
 * server can answer. Anything else (help, an unknown or repeated option, a value commander
 * would refuse, an extra argument) is undefined: commander parses those and says what it says.
 */
export function plainServeArgs(args: readonly string[]): ServeArgs | undefined {
  const given = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (given.has(name)) return undefined;
    if (name === "--no-runner" && eq === -1) {
      given.set(name, true);
      continue;
    }
    if (!VALUED.has(name)) return undefined;
    const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined || value === "" || value.startsWith("-")) return undefined;
    given.set(name, value);
  }
  const text = (name: string) => given.get(name) as string | undefined;
  const port = text("--port") === undefined ? SERVE_DEFAULTS.port : portNumber(text("--port") as string);
  const publicUrl = text("--public-url");
  if (port === undefined || (publicUrl !== undefined && publicUrlProblem(publicUrl) !== undefined)) return undefined;
  const home = text("--home");
  return {
    ...(home === undefined ? {} : { home }),
    port,
    host: text("--host") ?? SERVE_DEFAULTS.host,
    ...(publicUrl === undefined ? {} : { publicUrl }),
    runner: !given.has("--no-runner"),
  };
}
