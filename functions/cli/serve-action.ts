import { resolveHome } from "../node/home.ts";
import { serve } from "../node/serve.ts";
import type { ServeArgs } from "./serve-args.ts";

/** What `quire serve` does once its options are parsed, by commander (serve-command.ts) or without it (serve-args.ts). */
export async function startServing(opts: ServeArgs): Promise<void> {
  const home = resolveHome(opts.home);
  const server = await serve({
    home,
    port: opts.port,
    host: opts.host,
    runner: opts.runner,
    ...(opts.publicUrl ? { publicUrl: opts.publicUrl } : {}),
  });
  const shown = opts.publicUrl ?? server.publicUrl;
  process.stdout.write(`quire serving ${home.root} at ${server.url}${shown ? ` (public URL ${shown})` : ""}\n`);
  const stop = () => {
    void server.close().finally(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
