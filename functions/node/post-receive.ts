import { readHookToken, readServerUrl, type Home } from "./home.ts";
import { joinUrl } from "../http/join-url.ts";
import { newEventId } from "../../adapters/ids/event-id.ts";
import { postJson } from "./post-json.ts";

export interface HookIo {
  stdin: string;
  now: string;
  warn: (line: string) => void;
  say: (line: string) => void;
  timeoutMs?: number;
}

/** Parses `<old> <new> <ref>` lines as git hands them to post-receive. */
export function parseHookInput(stdin: string) {
  return stdin
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => {
      const [old_sha = "", new_sha = "", ref = ""] = line.split(/\s+/);
      return { ref, old_sha, new_sha };
    });
}

/**
 * Posts one push event. Whatever goes wrong, the push itself has already happened: the hook
 * still exits 0, within a few seconds. An event the server did not take (no server, refused
 * connection, timeout, 5xx) goes to `<home>/spool/`, and the server delivers it when it is
 * back; the event id makes a second delivery of an event it did take create nothing.
 */
export async function postReceive(home: Home, repo: string, io: HookIo): Promise<void> {
  const refs = parseHookInput(io.stdin);
  if (refs.length === 0) return;
  const event = { type: "push", event_id: newEventId(Date.now()), repo, pushed_at: io.now, refs };
  const queue = async (why: string) => {
    try {
      // Imported here: the spool (durable writes, node:crypto for temp names) is the rare path.
      const { spoolEvent } = await import("./spool.ts");
      const path = await spoolEvent(home, event);
      io.warn(`quire: ${why}; push queued for when quire is back (${path})`);
    } catch (error) {
      io.warn(`quire: ${why}; could not queue it either (${(error as Error).message}); no CI for this push`);
    }
  };
  const url = await readServerUrl(home);
  if (!url) return queue(`no server is running for ${home.root}`);
  let token: string;
  try {
    token = await readHookToken(home);
  } catch {
    return queue(`cannot read ${home.hookToken}`);
  }
  try {
    const response = await postJson(joinUrl(url, "events/push"), { authorization: `Bearer ${token}` }, event, io.timeoutMs ?? 5_000);
    const body = response.body as {
      runs?: { number: number; ref: string; run_id: string }[];
      warnings?: string[];
      error?: { message?: string };
    };
    const said = body.error?.message ? `: ${body.error.message}` : "";
    if (response.status >= 500) return queue(`server at ${url} failed (${response.status}${said})`);
    if (!response.ok) return io.warn(`quire: server refused the push event (${response.status})${said}`);
    for (const run of body.runs ?? []) io.say(`quire: run ${repo}#${run.number} queued for ${run.ref} (${run.run_id})`);
    for (const warning of body.warnings ?? []) io.warn(`quire: warning: ${warning}`);
  } catch (error) {
    await queue(`server at ${url} unreachable (${(error as Error).message})`);
  }
}
