import { rm, writeFile } from "node:fs/promises";
import { delay, http, HttpResponse } from "msw";
import { beforeEach, describe, expect, it } from "vitest";
import { mockHttp } from "../support/msw.ts";
import { resolveHome, type Home } from "../../functions/node/home.ts";
import { postReceive } from "../../functions/node/post-receive.ts";
import { listSpool, readSpooled } from "../../functions/node/spool.ts";
import { EVENT_ID } from "../../core/intake/event-run-id.ts";
import { tempHome } from "../support/quire-process.ts";

// The hook's only outbound HTTP is the push event; msw stands in for a server that misbehaves.
const SERVER = "http://quire.test:8787";
const OLD = "0".repeat(40);
const NEW = "b".repeat(40);
const msw = mockHttp();

let home: Home;
let lines: { warn: string[]; say: string[] };
const io = (stdin: string) => ({
  stdin,
  now: "2026-11-21T10:00:00.000Z",
  warn: (line: string) => void lines.warn.push(line),
  say: (line: string) => void lines.say.push(line),
  timeoutMs: 300,
});

beforeEach(async () => {
  home = resolveHome(await tempHome());
  await writeFile(home.serverUrl, SERVER + "\n");
  await writeFile(home.hookToken, "secret-token\n");
  lines = { warn: [], say: [] };
});

describe("post-receive hook against a server", () => {
  it("posts one event with every ref and the token, and prints the runs it queued", async () => {
    let seen: { auth: string | null; body: unknown } | undefined;
    msw.use(
      http.post(`${SERVER}/events/push`, async ({ request }) => {
        seen = { auth: request.headers.get("authorization"), body: await request.json() };
        return HttpResponse.json({ runs: [{ number: 7, ref: "refs/heads/main", run_id: "r-1" }] }, { status: 202 });
      }),
    );
    await postReceive(home, "demo.git", io(`${OLD} ${NEW} refs/heads/main\n${NEW} ${OLD} refs/heads/gone\n`));
    expect(seen?.auth).toBe("Bearer secret-token");
    expect(seen?.body).toEqual({
      type: "push",
      event_id: expect.stringMatching(EVENT_ID),
      repo: "demo.git",
      pushed_at: "2026-11-21T10:00:00.000Z",
      refs: [
        { ref: "refs/heads/main", old_sha: OLD, new_sha: NEW },
        { ref: "refs/heads/gone", old_sha: NEW, new_sha: OLD },
      ],
    });
    expect(lines).toEqual({ warn: [], say: ["quire: run demo.git#7 queued for refs/heads/main (r-1)"] });
    expect(await listSpool(home)).toEqual([]);
  });

  it.each([
    ["a 500 with an HTML body", () => new HttpResponse("<html>oops</html>", { status: 500 }), /failed \(500\); push queued/],
    ["a dropped connection", () => HttpResponse.error(), /unreachable .*; push queued/],
    ["no answer in time", async () => { await delay("infinite"); return HttpResponse.json({}); }, /unreachable .*; push queued/],
  ])("a server giving %s costs one warning line, never throws, and spools the event whole", async (_name, respond, message) => {
    let posted: unknown;
    msw.use(http.post(`${SERVER}/events/push`, async ({ request }) => {
      posted = await request.clone().json();
      return respond();
    }));
    await expect(postReceive(home, "demo.git", io(`${OLD} ${NEW} refs/heads/main\n`))).resolves.toBeUndefined();
    expect(lines.say).toEqual([]);
    expect(lines.warn).toHaveLength(1);
    expect(lines.warn[0]).toMatch(message);
    const spooled = await listSpool(home);
    expect(spooled).toHaveLength(1);
    expect(JSON.parse((await readSpooled(home, spooled[0]!))!)).toEqual(posted);
  });

  it("a refusal with a JSON error is told to the pusher and not spooled: sending it again would be refused again", async () => {
    msw.use(http.post(`${SERVER}/events/push`, () =>
      HttpResponse.json({ error: { code: "unknown_repo", message: "no repo named demo.git" } }, { status: 404 })));
    await postReceive(home, "demo.git", io(`${OLD} ${NEW} refs/heads/main\n`));
    expect(lines).toEqual({ warn: ["quire: server refused the push event (404): no repo named demo.git"], say: [] });
    expect(await listSpool(home)).toEqual([]);
  });

  it("sends nothing for empty input", async () => {
    await postReceive(home, "demo.git", io("\n"));
    expect(lines).toEqual({ warn: [], say: [] });
  });

  it("without a token file it warns instead of posting", async () => {
    await rm(home.hookToken);
    await postReceive(home, "demo.git", io(`${OLD} ${NEW} refs/heads/main\n`));
    expect(lines.warn[0]).toMatch(/cannot read .*hook\.token/);
  });
});
