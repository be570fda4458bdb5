import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A free loopback port, found by binding one and letting it go. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface ProxySite {
  port: number;
  /** `strip`: `proxy_pass http://up/;` (the /ci/ prefix is removed); `pass`: `proxy_pass http://up;` (kept). */
  prefix: "strip" | "pass";
  /** More directives for the `/ci/` location, e.g. `proxy_bind 127.0.0.5;` or a `proxy_set_header`. */
  extra?: string;
}

export interface Nginx {
  stop(): Promise<void>;
  errorLog: string;
}

/**
 * Debian's nginx, started by the test with its own config in a temp dir (`-p`, `-c`,
 * `daemon off`), each site proxying `location /ci/` to `upstream`. Otherwise nginx's
 * defaults: buffering on, HTTP/1.0 upstream, `proxy_read_timeout` as given (default 60 s).
 */
export async function startNginx(upstreamPort: number, sites: ProxySite[], options: { readTimeoutS?: number } = {}): Promise<Nginx> {
  const dir = await mkdtemp(join(tmpdir(), "quire-nginx-"));
  await mkdir(join(dir, "logs"));
  const timeout = options.readTimeoutS === undefined ? "" : `proxy_read_timeout ${options.readTimeoutS}s;`;
  const servers = sites
    .map(
      (site) => `server {
    listen 127.0.0.1:${site.port};
    location /ci/ {
      proxy_pass http://127.0.0.1:${upstreamPort}${site.prefix === "strip" ? "/" : ""};
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      ${timeout}
      ${site.extra ?? ""}
    }
  }`,
    )
    .join("\n  ");
  const conf = join(dir, "nginx.conf");
  await writeFile(
    conf,
    `user root;
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  ${servers}
}
`,
  );
  const child: ChildProcess = spawn("nginx", ["-p", dir, "-c", conf, "-e", join(dir, "logs", "error.log")], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, "exit");
  // Up once every site answers (a 502 from nginx counts: it is nginx answering).
  const deadline = Date.now() + 10_000;
  for (const site of sites) {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
      const up = await fetch(`http://127.0.0.1:${site.port}/`).then(
        () => true,
        () => false,
      );
      if (up) break;
      if (Date.now() > deadline) throw new Error(`nginx did not listen on ${site.port}: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    errorLog: join(dir, "logs", "error.log"),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGQUIT");
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
