import { readHookToken, readServerUrl, type Home } from "./home.ts";
import { joinUrl } from "../http/join-url.ts";
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
 * Posts one push event. Whatever goes wrong, the push itself has already happened:
 * every failure is one line on stderr and the hook still exits 0.
 */
export async function postReceive(home: Home, repo: string, io: HookIo): Promise<void> {
  const refs = parseHookInput(io.stdin);
  if (refs.length === 0) return;
  const url = await readServerUrl(home);
  if (!url) return io.warn(`quire: no server is running for ${home.root}; no CI for this push`);
  let token: string;
  try {
    token = await readHookToken(home);
  } catch {
    return io.warn(`quire: cannot read ${home.hookToken}; no CI for this push`);
  }
  try {
    const response = await postJson(
      joinUrl(url, "events/push"),
      { authorization: `Bearer ${token}` },
      { type: "push", repo, pushed_at: io.now, refs },
      io.timeoutMs ?? 10_000,
    );
    const body = response.body as {
      runs?: { number: number; ref: string; run_id: string }[];
      warnings?: string[];
      error?: { message?: string };
    };
    if (!response.ok) return io.warn(`quire: server refused the push event (${response.status}): ${body.error?.message ?? ""}`);
    for (const run of body.runs ?? []) io.say(`quire: run ${repo}#${run.number} queued for ${run.ref} (${run.run_id})`);
    for (const warning of body.warnings ?? []) io.warn(`quire: warning: ${warning}`);
  } catch (error) {
    io.warn(`quire: server at ${url} unreachable (${(error as Error).message}); no CI for this push`);
  }
}
