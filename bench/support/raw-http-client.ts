import { connect, type Socket } from "node:net";

export interface RawResponse {
  status: number;
  text: string;
}

/**
 * A load generator's HTTP/1.1 client over one kept-alive socket, one request at a time: a
 * request is one pre-formatted write and the answer is cut out of the bytes by its
 * Content-Length. node:http's client spent ~0.65 ms of CPU a request, and on two cores that
 * CPU is taken from the server under test, which an in-process floor never pays. The server
 * still parses a real HTTP request; only answers with a Content-Length are understood, which
 * is all quire sends for a push.
 */
export class RawHttpClient {
  private socket: Socket | undefined;
  private buffer: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (r: RawResponse) => void; reject: (e: Error) => void } | undefined;

  constructor(private readonly url: URL) {}

  post(headers: Record<string, string>, body: string): Promise<RawResponse> {
    if (this.waiting) return Promise.reject(new Error("one request at a time on a raw client"));
    const socket = this.socket ?? this.open();
    const lines = [`POST ${this.url.pathname}${this.url.search} HTTP/1.1`, `host: ${this.url.host}`, `content-length: ${Buffer.byteLength(body)}`];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      socket.write(`${lines.join("\r\n")}\r\n\r\n${body}`);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private open(): Socket {
    const socket = connect(Number(this.url.port), this.url.hostname);
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.take(chunk));
    const fail = (error: Error) => {
      this.socket = undefined;
      const waiting = this.waiting;
      this.waiting = undefined;
      waiting?.reject(error);
    };
    socket.on("error", fail);
    socket.on("close", () => fail(new Error("the server closed the connection")));
    this.socket = socket;
    return socket;
  }

  private take(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const end = this.buffer.indexOf("\r\n\r\n");
    if (end === -1) return;
    const head = this.buffer.toString("latin1", 0, end);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1];
    const status = Number(head.slice(9, 12));
    if (length === undefined) {
      this.waiting?.reject(new Error(`an answer without content-length: ${head}`));
      this.waiting = undefined;
      this.close();
      return;
    }
    const total = end + 4 + Number(length);
    if (this.buffer.length < total) return;
    const text = this.buffer.toString("utf8", end + 4, total);
    this.buffer = this.buffer.subarray(total);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve({ status, text });
  }
}
