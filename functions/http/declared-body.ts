import { IncomingMessage } from "node:http";
import type { Context } from "hono";

export type DeclaredBody = { kind: "read"; text: string } | { kind: "too-large" };

const decoder = new TextDecoder();

/**
 * A request body with a declared length, read straight from the node request under
 * @hono/node-server. Hono's own reading (and its body limit, which asks for `raw.body`)
 * first builds a web Request and a stream around the node request, and that cost more CPU
 * than anything else in a push event's intake. Undefined where this does not apply (another
 * runtime, no Content-Length, a chunked body): the caller reads the body the usual way then.
 * The text is decoded as Request.text() does (UTF-8, a leading BOM dropped).
 */
export async function readDeclaredBody(c: Context, maxBytes: number): Promise<DeclaredBody | undefined> {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  if (!(incoming instanceof IncomingMessage)) return undefined;
  const length = incoming.headers["content-length"];
  if (length === undefined || incoming.headers["transfer-encoding"] !== undefined || !/^\d{1,15}$/.test(length)) return undefined;
  // Refused before a byte is read, as hono's body limit does for a declared length.
  if (Number(length) > maxBytes) return { kind: "too-large" };
  const chunks: Buffer[] = [];
  // node:http stops at the declared length, so this holds at most maxBytes.
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  return { kind: "read", text: decoder.decode(Buffer.concat(chunks)) };
}
