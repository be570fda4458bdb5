import { QuireError } from "../../core/errors.ts";

/**
 * What a person sees when a command fails: one line for failures we can name (bad config,
 * port taken, broken infrastructure), the full stack only for the unexpected.
 */
export function describeFailure(error: unknown): string | undefined {
  if (error instanceof QuireError) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : "";
    return `${error.message}${cause}`;
  }
  const errno = error as NodeJS.ErrnoException & { port?: number; address?: string };
  switch (errno?.code) {
    case "EADDRINUSE":
      return `${errno.address ?? "the address"}:${errno.port ?? "?"} is already in use (another quire serve?); pick another with --port`;
    case "EADDRNOTAVAIL":
      return `cannot listen on ${errno.address ?? "that address"}: it is not an address of this machine (--host)`;
    case "EACCES":
    case "EPERM":
      return `permission denied: ${errno.message}`;
    default:
      return undefined;
  }
}
