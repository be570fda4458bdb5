import { spawn } from "node:child_process";
import { once } from "node:events";
import { readdir, readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface GitHttpOptions {
  /** GIT_PROJECT_ROOT: bare repos under it are served as /<name>.git. */
  root: string;
  /** The one token accepted, as the Basic password (any user name) or as a Bearer token. */
  token: string;
  /** Run while a push (`git-receive-pack` POST) is being handled, before git answers it. */
  duringPush?: () => Promise<void>;
}

export interface GitHttpServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Requests turned away for a missing or wrong token. */
  refused: number;
  /** Pushes that got through to git. */
  pushes: number;
  close(): Promise<void>;
}

/**
 * A git smart-HTTP server on a free loopback port: `git http-backend` behind a tiny CGI
 * wrapper that refuses every request without the token, as a forge does.
 */
export async function startGitHttpServer(options: GitHttpOptions): Promise<GitHttpServer> {
  const state = { refused: 0, pushes: 0 };
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500);
      response.end(String(error));
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const user = authorizedUser(request.headers.authorization, options.token);
    if (user === undefined) {
      state.refused++;
      request.resume();
      response.writeHead(401, { "www-authenticate": 'Basic realm="git"' }).end("token required\n");
      return;
    }
    const url = new URL(request.url ?? "/", "http://localhost");
    const pushing = request.method === "POST" && url.pathname.endsWith("/git-receive-pack");
    if (pushing) {
      state.pushes++;
      await options.duringPush?.();
    }
    const child = spawn("git", ["http-backend"], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        GIT_PROJECT_ROOT: options.root,
        GIT_HTTP_EXPORT_ALL: "1",
        GIT_CONFIG_NOSYSTEM: "1",
        REMOTE_USER: user,
        REMOTE_ADDR: request.socket.remoteAddress ?? "127.0.0.1",
        REQUEST_METHOD: request.method ?? "GET",
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.replace(/^\?/, ""),
        CONTENT_TYPE: request.headers["content-type"] ?? "",
        ...(request.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: request.headers["content-encoding"] } : {}),
        ...(request.headers["git-protocol"] ? { GIT_PROTOCOL: String(request.headers["git-protocol"]) } : {}),
      },
      stdio: ["pipe", "pipe", "inherit"],
    });
    request.pipe(child.stdin);
    await relayCgi(child.stdout, response);
    await once(child, "close");
  }

  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get refused() {
      return state.refused;
    },
    get pushes() {
      return state.pushes;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The user name a valid Basic or Bearer header carries; undefined when it is missing or wrong. */
function authorizedUser(header: string | undefined, token: string): string | undefined {
  const [scheme, value = ""] = (header ?? "").split(" ", 2);
  if (scheme?.toLowerCase() === "bearer") return value === token ? "bearer" : undefined;
  if (scheme?.toLowerCase() !== "basic") return undefined;
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0 || decoded.slice(colon + 1) !== token) return undefined;
  return decoded.slice(0, colon) || "anonymous";
}

/** Reads the CGI header block (`Status:` and headers up to a blank line), then streams the body. */
async function relayCgi(stdout: NodeJS.ReadableStream, response: ServerResponse): Promise<void> {
  let head = Buffer.alloc(0);
  for await (const chunk of stdout) {
    if (response.headersSent) {
      response.write(chunk);
      continue;
    }
    head = Buffer.concat([head, chunk as Buffer]);
    const end = head.indexOf("\r\n\r\n") >= 0 ? head.indexOf("\r\n\r\n") + 4 : head.indexOf("\n\n") >= 0 ? head.indexOf("\n\n") + 2 : -1;
    if (end < 0) continue;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString("latin1").split(/\r?\n/)) {
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
      else headers[name] = value;
    }
    response.writeHead(status, headers);
    response.write(head.subarray(end));
  }
  if (!response.headersSent) response.writeHead(502);
  response.end();
}

/** The command line of every process this user can see that mentions `needle` (each NUL-separated arg joined by spaces). */
export async function processesMentioning(needles: string[]): Promise<{ pid: string; cmdline: string }[]> {
  const found: { pid: string; cmdline: string }[] = [];
  for (const pid of (await readdir("/proc")).filter((name) => /^\d+$/.test(name))) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    const text = cmdline.split("\0").join(" ");
    if (needles.some((n) => text.includes(n))) found.push({ pid, cmdline: text });
  }
  return found;
}
