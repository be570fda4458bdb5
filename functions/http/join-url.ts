/**
 * Joins an API path under a base URL that may carry a path prefix
 * (`http://host/ci` or `http://host/ci/` + `events/push` → `http://host/ci/events/push`).
 * `new URL("/x", base)` would drop the prefix: a leading slash means the site root.
 */
export function joinUrl(base: string, path: string): URL {
  const root = new URL(base);
  root.search = "";
  root.hash = "";
  if (!root.pathname.endsWith("/")) root.pathname += "/";
  return new URL(path.replace(/^\/+/, ""), root);
}

/** The path prefix a public URL puts in front of every route: `/`, or `/ci/` for `https://x/ci`. */
export function basePathOf(publicUrl: string | undefined): string {
  if (!publicUrl) return "/";
  const path = new URL(publicUrl).pathname;
  return path.endsWith("/") ? path : `${path}/`;
}
