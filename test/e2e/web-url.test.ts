import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { clientAddress, clientProtocol } from "../../functions/http/client-address.ts";
import { basePathOf, joinUrl } from "../../functions/http/join-url.ts";
import { decodeCursor, encodeCursor, logKey } from "../../functions/http/sse-cursor.ts";
import { stripBasePath } from "../../functions/http/base-path.ts";
import { trustProxyList } from "../../functions/node/trust-proxy.ts";
import { parseConfig } from "../../functions/node/config.ts";

describe("joining paths under a base URL", () => {
  it("keeps the base's path prefix, with or without its trailing slash", () => {
    expect(joinUrl("http://127.0.0.1:8080/ci", "/events/push").href).toBe("http://127.0.0.1:8080/ci/events/push");
    expect(joinUrl("http://127.0.0.1:8080/ci/", "events/push").href).toBe("http://127.0.0.1:8080/ci/events/push");
    expect(joinUrl("https://ci.example.org/a/b/", "/runs/x%23y?limit=5").href).toBe("https://ci.example.org/a/b/runs/x%23y?limit=5");
    expect(joinUrl("http://127.0.0.1:8787", "/runs").href).toBe("http://127.0.0.1:8787/runs");
  });

  it("names the prefix routes are served under", () => {
    expect(basePathOf(undefined)).toBe("/");
    expect(basePathOf("https://ci.example.org")).toBe("/");
    expect(basePathOf("https://ci.example.org/ci")).toBe("/ci/");
    expect(basePathOf("https://ci.example.org/ci/")).toBe("/ci/");
  });

  it("routes see the same path whether the proxy strips the prefix or not", () => {
    const path = stripBasePath("/ci/");
    expect(path(new Request("http://x/ci/runs/abc"))).toBe("/runs/abc");
    expect(path(new Request("http://x/runs/abc"))).toBe("/runs/abc");
    expect(path(new Request("http://x/ci/"))).toBe("/");
    expect(path(new Request("http://x/cider"))).toBe("/cider");
  });
});

describe("the SSE position", () => {
  it("round-trips through the event id, odd job names included", () => {
    const cursor = new Map([
      [logKey("build", 1), { bytes: 120, lines: 3 }],
      [logKey("a:b,c/d", 2), { bytes: 7, lines: 1 }],
    ]);
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });

  it("starts from the beginning on an id it did not write", () => {
    for (const id of [undefined, "", "v2,x:1:2:3", "v1,build:1:2", "v1,%E0%A4%A:1:2:3", "v1," + "x".repeat(70_000)]) {
      expect(decodeCursor(id).size).toBe(0);
    }
  });
});

describe("trust_proxy", () => {
  it("believes listed addresses and ranges only, IPv4-mapped peers included", () => {
    const trusted = trustProxyList(["127.0.0.1", "10.0.0.0/8", "fd00::/8"]);
    expect(trusted?.("127.0.0.1")).toBe(true);
    expect(trusted?.("::ffff:10.1.2.3")).toBe(true);
    expect(trusted?.("fd12::1")).toBe(true);
    expect(trusted?.("192.168.1.1")).toBe(false);
    expect(trusted?.("not an address")).toBe(false);
    expect(trustProxyList([])).toBeUndefined();
  });

  it("config.yml refuses what is not an address, range or http(s) URL, naming the key", () => {
    expect(() => parseConfig("trust_proxy: [localhost]")).toThrow(/trust_proxy\.0: an IP address or a CIDR range/);
    expect(() => parseConfig("trust_proxy: [10.0.0.0/33]")).toThrow(/trust_proxy\.0/);
    expect(() => parseConfig("public_url: ftp://x/")).toThrow(/public_url/);
    expect(() => parseConfig("public_url: https://x/ci/?a=1")).toThrow(/public_url/);
    expect(parseConfig("public_url: https://ci.example.org/ci/\ntrust_proxy: [127.0.0.1, ::1]\nauth: { read: token }")).toMatchObject({
      public_url: "https://ci.example.org/ci/",
      trust_proxy: ["127.0.0.1", "::1"],
      auth: { read: "token" },
    });
  });
});

describe("the client address behind proxies", () => {
  const seen = (peer: string, trusted: string[]) => {
    const app = new Hono();
    const web = { remoteAddress: () => peer, ...(trustProxyList(trusted) ? { trustProxy: trustProxyList(trusted) as (a: string) => boolean } : {}) };
    app.get("/", (c) => c.json({ client: clientAddress(c, web), proto: clientProtocol(c, web) }));
    return async (headers: Record<string, string>) => (await app.request("/", { headers })).json();
  };

  it("believes X-Forwarded-For and -Proto only from trust_proxy peers, right to left past trusted hops", async () => {
    const trusted = seen("127.0.0.1", ["127.0.0.1", "10.0.0.0/8"]);
    expect(await trusted({ "x-forwarded-for": "6.6.6.6, 203.0.113.9, 10.1.1.1", "x-forwarded-proto": "https" })).toEqual({
      client: "203.0.113.9",
      proto: "https",
    });
    const untrusted = seen("192.0.2.7", ["127.0.0.1"]);
    expect(await untrusted({ "x-forwarded-for": "203.0.113.9", "x-forwarded-proto": "https" })).toEqual({ client: "192.0.2.7", proto: "http" });
  });
});
