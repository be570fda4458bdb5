import http from "node:http";

export interface JsonAnswer {
  status: number;
  ok: boolean;
  /** The parsed body, or `{}` when it is not JSON. */
  body: unknown;
}

/**
 * One JSON POST over node:http. The hook runs on every push, and `fetch` costs it some
 * 200 ms more: loading undici, and a process that lingers after the answer until undici's
 * connection is closed. Rejects on network errors and on the timeout.
 */
export async function postJson(url: URL, headers: Record<string, string>, payload: unknown, timeoutMs: number): Promise<JsonAnswer> {
  const body = JSON.stringify(payload);
  // Looked up at call time, not bound at import: request interceptors (tests) patch the module.
  // TLS loads only for an https server: most hooks talk to a local http one.
  const request = url.protocol === "https:" ? (await import("node:https")).default.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          resolve({ status, ok: status >= 200 && status < 300, body: parseOrEmpty(Buffer.concat(chunks).toString("utf8")) });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function parseOrEmpty(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return {};
  }
}
