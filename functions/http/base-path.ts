import { getPath } from "hono/utils/url";

/**
 * Routes see the same path whether the proxy strips the public prefix (`/ci/runs` →
 * `/runs`) or passes it through: a path under the prefix loses it, any other stays.
 */
export function stripBasePath(basePath: string): (request: Request) => string {
  if (basePath === "/") return getPath;
  return (request) => {
    const path = getPath(request);
    return path.startsWith(basePath) ? path.slice(basePath.length - 1) : path;
  };
}

/** `/ci` without its slash would make every relative link on the page point above it. */
export function isBareBasePath(basePath: string, request: Request): boolean {
  return basePath !== "/" && getPath(request) === basePath.slice(0, -1);
}
