/**
 * How a finished job reads back: its sh calls with their commands and exit codes, and its
 * `log()` messages placed among them by time. One rule for the web view and `quire runs logs`.
 */

/** One sh call as readers show it; `reason` is null for a command that exited on its own. */
export interface TranscriptSh {
  n: number;
  cmd: string | null;
  exit: number | null;
  reason: string | null;
  started_at: string | null;
  duration_ms: number | null;
}

/** `at` is null in receipts written before messages carried their time. */
export interface TranscriptMessage {
  at: string | null;
  text: string;
}

export type TranscriptPiece<S> = { kind: "sh"; sh: S } | { kind: "msg"; msg: TranscriptMessage };

type Json = Record<string, unknown>;

const str = (value: unknown): string | null => (typeof value === "string" ? value : null);
const num = (value: unknown): number | null => (typeof value === "number" ? value : null);

/** The sh calls a job receipt lists; a receipt comes from disk, so anything malformed is left out. */
export function receiptSh(receipt: Json): TranscriptSh[] {
  const list = Array.isArray(receipt.sh) ? (receipt.sh as unknown[]) : [];
  return list.flatMap((entry) => {
    if (typeof entry !== "object" || entry === null) return [];
    const sh = entry as Json;
    if (typeof sh.n !== "number") return [];
    const reason = str(sh.reason);
    return [{ n: sh.n, cmd: str(sh.cmd), exit: num(sh.exit), reason: reason === "exited" ? null : reason, started_at: str(sh.started_at), duration_ms: num(sh.duration_ms) }];
  });
}

/** A job receipt's messages: `{ at, text }` now, plain strings in older receipts. */
export function receiptMessages(receipt: Json): TranscriptMessage[] {
  const list = Array.isArray(receipt.messages) ? (receipt.messages as unknown[]) : [];
  return list.flatMap((message) => {
    if (typeof message === "string") return [{ at: null, text: message }];
    if (typeof message !== "object" || message === null) return [];
    const m = message as Json;
    return [{ at: str(m.at), text: str(m.text) ?? JSON.stringify(m) }];
  });
}

/**
 * Commands in order, each message before the first command that started at or after it (at
 * the end when untimed). Times are milliseconds, and a `log()` right before an `sh` often
 * shares its millisecond; an `sh` never ends within the one it started in.
 */
export function interleave<S extends { started_at: string | null }>(sh: S[], messages: TranscriptMessage[]): TranscriptPiece<S>[] {
  const out: TranscriptPiece<S>[] = sh.map((s) => ({ kind: "sh", sh: s }));
  for (const msg of messages) {
    const at = msg.at;
    const index = at === null ? -1 : out.findIndex((p) => p.kind === "sh" && p.sh.started_at !== null && p.sh.started_at >= at);
    if (index === -1) out.push({ kind: "msg", msg });
    else out.splice(index, 0, { kind: "msg", msg });
  }
  return out;
}
