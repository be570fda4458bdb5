/** One block of an SSE stream as it came over the wire: fields and comment lines. */
export interface SseBlock {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
  comments: string[];
}

/**
 * Reads an SSE response block by block. `stop` sees every block and ends the read (and
 * the connection) by returning true; the stream ending ends it too.
 */
export async function readSse(response: Response, stop: (block: SseBlock, all: SseBlock[]) => boolean): Promise<SseBlock[]> {
  if (!response.body) throw new Error("no body");
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const blocks: SseBlock[] = [];
  let buffer = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return blocks;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) !== -1) {
        const block = parseBlock(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        blocks.push(block);
        if (stop(block, blocks)) return blocks;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

function parseBlock(text: string): SseBlock {
  const block: SseBlock = { comments: [] };
  for (const line of text.split("\n")) {
    if (line.startsWith(":")) {
      block.comments.push(line.slice(1).trim());
      continue;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "data") block.data = block.data === undefined ? value : `${block.data}\n${value}`;
    else if (field === "id" || field === "event" || field === "retry") block[field] = value;
  }
  return block;
}
