import type { MiddlewareHandler } from "hono";
import type { Logger } from "../../core/ports/logger.ts";
import { clientAddress, clientProtocol } from "./client-address.ts";
import type { WebOptions } from "./web-options.ts";

/**
 * One log line per request: method, path, status, duration, client address. Only the path
 * is logged, never the query or any header, so no token can reach the log.
 */
export function requestLog(logger: Logger, web: WebOptions | undefined): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const status = c.res.status;
      const line = {
        method: c.req.method,
        path: new URL(c.req.url).pathname,
        status,
        duration_ms: Math.round((performance.now() - started) * 10) / 10,
        client: clientAddress(c, web) ?? null,
        proto: clientProtocol(c, web),
      };
      if (status >= 500) logger.error(line, "request");
      else logger.info(line, "request");
    }
  };
}
