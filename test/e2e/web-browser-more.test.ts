import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBrowser, type Browser } from "../support/browser.ts";
import { WorkClone } from "../support/git.ts";
import { quire } from "../support/quire-process.ts";
import { postWithToken, waitForRun, type RunView } from "../support/runs-api.ts";
import { useServedRepo } from "../support/use-served-repo.ts";

// What the earlier browser suite (web-browser.test.ts) leaves out: filters, paging, per-repo
// view, load errors, retry, line links, download, skip reasons, scrolling, no-JS, phone, dark.
const QUICK = `import { job } from "quire/ci";\njob("hello", ["quire/push"], async ({ sh }) => { await sh("echo hello"); });\n`;
const LOAD_ERROR = String.raw`const detail = Array.from({ length: 40 }, (_, i) => "detail line " + (i + 1)).join("\n");
throw new Error("the pipeline cannot load:\n" + detail + "\nEND OF THE LOAD ERROR");
`;
const MANY = `job("many", ["quire/push"], async ({ sh }) => { await sh("for i in $(seq 1 200); do echo line $i; done; printf '%0300d\\n' 0"); });`;
const LINES = `import { job, skip } from "quire/ci";
${MANY}
job("gated", ["quire/push"], async () => skip("deploys run on main only"));
job("after-gated", ["gated"], async ({ sh }) => { await sh("echo never"); });
`;
// Long enough for a loaded machine; the first test cancels it when done with it.
const LIVE = `import { job } from "quire/ci";
${MANY}
job("ticker", ["quire/push"], async ({ sh }) => { await sh("for i in $(seq 1 300); do echo tick $i; sleep 0.3; done"); });
`;

let other: WorkClone;
let browser: Browser;
const ids: Record<"quick" | "loadError" | "other" | "lines" | "live", string> = { quick: "", loadError: "", other: "", lines: "", live: "" };

const served = useServedRepo({ config: "concurrency: 4\nrun_timeout_minutes: 2\nsse_heartbeat_seconds: 2\n" });

beforeAll(async () => {
  const made = await quire(["repo", "new", "other.git", "--home", served.home]);
  if (made.exitCode !== 0) throw new Error(made.stderr);
  other = await WorkClone.of(join(served.home, "repos", "other.git"));
  ids.quick = await served.push("feature/list", { ".quire/ci.ts": QUICK }, { subject: "list: a quick success" });
  ids.loadError = await served.push("broken-load", { ".quire/ci.ts": LOAD_ERROR }, { subject: "a pipeline that cannot load" });
  ids.other = await served.push("main", { ".quire/ci.ts": QUICK }, { subject: "other: quick", work: other });
  ids.lines = await served.push("lines", { ".quire/ci.ts": LINES }, { subject: "many lines and a skip" });
  ids.live = await served.push("live", { ".quire/ci.ts": LIVE }, { subject: "a ticker" });
  await Promise.all([ids.quick, ids.loadError, ids.other, ids.lines].map((id) => waitForRun(served.server, id)));
  browser = await openBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

const base = () => `${served.server.url}/`;
const badge = (page: Page, selector: string) => page.locator(`${selector} .badge`).first();
const atBottom = (page: Page) => page.evaluate<boolean>("window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 40");
const scrollY = (page: Page) => page.evaluate<number>("window.scrollY");
/** Where the view rests once any scrolling animation is over. */
async function settled(page: Page): Promise<number> {
  let last = await scrollY(page);
  for (;;) {
    await new Promise((r) => setTimeout(r, 150));
    const now = await scrollY(page);
    if (now === last) return now;
    last = now;
  }
}
const noOverflow = (page: Page) => page.evaluate<boolean>("document.documentElement.scrollWidth <= window.innerWidth");
const lastTick = (page: Page) => page.locator("#job-ticker .l").count();
const newer = async (page: Page, than: number) => expect.poll(() => lastTick(page), { timeout: 15_000 }).toBeGreaterThan(than);

describe("a run page while the run goes on", () => {
  it("follows new lines, stops when the reader scrolls up, follows again back at the bottom; a line link holds still", async () => {
    const page = await browser.context.newPage();
    try {
      await page.setViewportSize({ width: 1000, height: 600 });
      await page.goto(`${base()}run/${ids.live}`);
      await page.locator("#L-ticker-1-2").waitFor({ timeout: 30_000 });
      await page.mouse.move(500, 300);
      await page.keyboard.press("End");
      await newer(page, await lastTick(page));
      expect(await atBottom(page)).toBe(true);

      // The reader scrolls up with the wheel: new lines arrive and the view stays where it is.
      await page.mouse.wheel(0, -800);
      await expect.poll(() => atBottom(page)).toBe(false);
      const held = await settled(page);
      await newer(page, (await lastTick(page)) + 1);
      expect(await scrollY(page)).toBe(held);

      // Back at the bottom, it follows again.
      await page.keyboard.press("End");
      const ticks = await lastTick(page);
      await newer(page, ticks + 1);
      expect(await atBottom(page)).toBe(true);

      // Clicking a line number while following: that line becomes the link and the view holds on it.
      const last = await lastTick(page);
      await page.locator(`#L-ticker-1-${last} a.ln`).click();
      expect(new URL(page.url()).hash).toBe(`#L-ticker-1-${last}`);
      const marked = await settled(page);
      await newer(page, last + 2);
      expect(await scrollY(page)).toBe(marked);

      await page.locator("#L-many-1-7 a.ln").click();
      expect(new URL(page.url()).hash).toBe("#L-many-1-7");
      expect(await page.evaluate<string | undefined>("document.querySelector(':target')?.id")).toBe("L-many-1-7");

      // The link opened in a new tab while lines keep coming: the line is shown, marked, and stays put.
      const opened = await browser.context.newPage();
      await opened.setViewportSize({ width: 1000, height: 600 });
      await opened.goto(`${base()}run/${ids.live}#L-many-1-120`);
      const line = opened.locator("#L-many-1-120");
      expect(await opened.evaluate<string | undefined>("document.querySelector(':target')?.id")).toBe("L-many-1-120");
      const box = async () => {
        const b = await line.boundingBox();
        return { top: Math.round(b?.y ?? -1), scrollY: await scrollY(opened) };
      };
      const before = await box();
      expect(before.top).toBeGreaterThanOrEqual(0);
      expect(before.top).toBeLessThan(580);
      expect(await opened.evaluate<string>("getComputedStyle(document.getElementById('L-many-1-120')).backgroundColor")).toBe("rgba(255, 200, 0, 0.25)");
      await newer(opened, (await lastTick(opened)) + 2);
      expect(await box()).toEqual(before);
      await opened.close();
    } finally {
      await page.close();
      await postWithToken(served.server, `/runs/${ids.live}/cancel`);
    }
    expect(await waitForRun(served.server, ids.live)).toMatchObject({ status: "failed", outcome: "cancelled" });
  }, 90_000);
});

describe("the runs list", () => {
  it("shows branch, subject, relative and exact time, duration; filters by repo and status; pages by cursor", async () => {
    const page = await browser.context.newPage();
    await page.goto(base());
    const quick = (await waitForRun(served.server, ids.quick)) as RunView & { created_at: string };
    const row = page.locator(`tr[data-run="${ids.quick}"]`);
    expect(await row.locator(".ref").textContent()).toBe("feature/list");
    expect(await row.locator(".subject").textContent()).toBe("list: a quick success");
    expect(await row.locator("time.rel").textContent()).toMatch(/^\d+ (s|min) ago$/);
    // The exact time is the hover title.
    expect(await row.locator("time.rel").getAttribute("title")).toBe(quick.created_at);
    expect(await row.locator(".dur").textContent()).toMatch(/^\d+(\.\d)? s$|^\d+ ms$/);
    expect(await badge(page, `tr[data-run="${ids.quick}"]`).textContent()).toBe("succeeded");

    // Status filter, through the form.
    await page.locator("select[name=status]").selectOption("failed");
    await page.locator(".filters button[type=submit]").click();
    await page.waitForURL(/status=failed/);
    expect(await page.locator("tr[data-run]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-run")))).toEqual([ids.live, ids.loadError]);
    await page.locator(".filters a", { hasText: "all runs" }).click();
    expect(await page.locator("tr[data-run]").count()).toBe(5);

    // The per-repo view: a repo's name links to it.
    await page.locator(`tr[data-run="${ids.other}"] a.repo`).click();
    await page.waitForURL(/repo=other\.git/);
    expect(await page.locator("h1").textContent()).toBe("other.git");
    expect(await page.locator("tr[data-run]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-run")))).toEqual([ids.other]);
    // Typed into the form, with the status too.
    await page.locator("input[name=repo]").fill("demo.git");
    await page.locator("select[name=status]").selectOption("complete");
    await page.locator(".filters button[type=submit]").click();
    await page.waitForURL(/repo=demo\.git/);
    const demoDone = await page.locator("tr[data-run]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-run")));
    expect(demoDone.sort()).toEqual([ids.quick, ids.lines].sort());

    // Paging: two a page, newest first, every run once, then no further link.
    await page.goto(`${base()}?limit=2`);
    const seen: string[] = [];
    for (let pages = 1; ; pages++) {
      seen.push(...(await page.locator("tr[data-run]").evaluateAll((rows) => rows.map((r) => String(r.getAttribute("data-run"))))));
      const next = page.locator("a[rel=next]");
      if ((await next.count()) === 0) {
        expect(pages).toBe(3);
        break;
      }
      await next.click();
      await page.waitForURL(/cursor=/);
      expect(new URL(page.url()).searchParams.get("limit")).toBe("2");
    }
    expect(seen).toEqual([ids.live, ids.lines, ids.other, ids.loadError, ids.quick]);
    // A filter with a page size keeps it.
    await page.locator("input[name=repo]").fill("demo.git");
    await page.locator(".filters button[type=submit]").click();
    await page.waitForURL(/repo=demo\.git/);
    expect(new URL(page.url()).searchParams.get("limit")).toBe("2");
    expect(await page.locator("tr[data-run]").count()).toBe(2);

    // Bad filters get a clear message.
    const bad = await page.goto(`${base()}?status=nope`);
    expect(bad?.status()).toBe(400);
    expect(await page.locator(".error-box").textContent()).toMatch(/status must be one of/);
    await page.close();
  }, 90_000);
});

describe("a finished run page", () => {
  it("shows a load error in full, skip reasons, a clear not-found page, and downloads the raw log", async () => {
    const page = await browser.context.newPage();
    await page.goto(`${base()}run/${ids.loadError}`);
    expect(await badge(page, "#run-header").textContent()).toBe("errored");
    const error = String(await page.locator("#run-error").textContent());
    expect(error).toContain("the pipeline cannot load:");
    for (let i = 1; i <= 40; i++) expect(error).toContain(`detail line ${i}\n`);
    expect(error).toContain("END OF THE LOAD ERROR");
    // Shown whole, not cut off by a box too small for it.
    expect(await page.evaluate<boolean>("(({ scrollHeight, clientHeight }) => scrollHeight <= clientHeight + 1)(document.getElementById('run-error'))")).toBe(true);

    await page.goto(`${base()}run/${ids.lines}`);
    expect(await page.locator('#jobs li[data-job="gated"] .reason').textContent()).toMatch(/deploys run on main only/);
    expect(await page.locator('#jobs li[data-job="after-gated"] .reason').textContent()).toMatch(/gated/);
    expect(await page.locator("#job-gated > .reason").textContent()).toMatch(/deploys run on main only/);
    expect(await badge(page, "#job-after-gated").textContent()).toBe("skipped");

    const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#head-many-1 a.raw").click()]);
    expect(download.suggestedFilename()).toBe("many-sh-1.log");
    const rawLog = await readFile(String(await download.path()), "utf8");
    expect(rawLog.split("\n").filter((l) => / stdout F line \d+$/.test(l))).toHaveLength(200);

    for (const ref of ["demo.git%23999", "00000000-0000-7000-8000-000000000000"]) {
      const missing = await page.goto(`${base()}run/${ref}`);
      expect(missing?.status()).toBe(404);
      expect(await page.locator("h1").textContent()).toBe("No such run");
      expect(await page.locator("main").textContent()).toMatch(/no run|not found|unknown/i);
      expect(await page.locator("#run").count()).toBe(0);
    }
    await page.close();
  });

  it("Retry asks for the admin token once, keeps it in sessionStorage, and opens the new run", async () => {
    const page = await browser.context.newPage();
    await page.goto(`${base()}run/${ids.quick}`);
    const retry = page.locator("button[data-action=retry]");
    await retry.click();
    await page.locator("#token-form").waitFor({ state: "visible" });
    expect(await page.locator("#action-result").textContent()).toMatch(/admin token/);
    await page.locator("#token-form input").fill(served.server.token);
    await page.locator("#token-form button[type=submit]").click();
    await retry.click();
    await page.waitForURL((url) => url.pathname.startsWith("/run/") && !url.pathname.endsWith(ids.quick));
    const first = page.url().split("/run/")[1] as string;
    expect(await page.locator("#run-header").textContent()).toContain(ids.quick);
    expect(await page.evaluate<string | null>("sessionStorage.getItem('quire.token')")).toBe(served.server.token);
    expect(await page.evaluate<number>("localStorage.length")).toBe(0);
    expect(await page.evaluate<string>("document.cookie")).toBe("");

    // Again from the new run: no second prompt.
    await expect.poll(() => badge(page, "#run-header").textContent(), { timeout: 20_000 }).toBe("succeeded");
    await page.locator("button[data-action=retry]").click();
    await page.waitForURL((url) => url.pathname.startsWith("/run/") && !url.pathname.endsWith(first));
    expect(await page.locator("#token-form").isHidden()).toBe(true);
    const second = page.url().split("/run/")[1] as string;
    const run = await waitForRun(served.server, second);
    expect(run).toMatchObject({ status: "complete", retry_of: first, retried_by: "the admin token" });
    expect(await page.locator("#run-header a", { hasText: first }).getAttribute("href")).toBe(`../run/${first}`);
    await page.close();
  });
});

describe("without JavaScript", () => {
  it("filters and pages the list and reads a finished run's logs", async () => {
    const noJs = await openBrowser({ javaScript: false });
    try {
      const page = await noJs.context.newPage();
      await page.goto(`${base()}?limit=1`);
      await page.locator("select[name=status]").selectOption("failed");
      await page.locator(".filters button[type=submit]").click();
      await page.waitForURL(/status=failed/);
      expect(await page.locator("tr[data-run]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-run")))).toEqual([ids.live]);
      await page.locator("a[rel=next]").click();
      await page.waitForURL(/cursor=/);
      expect(new URL(page.url()).searchParams.get("status")).toBe("failed");
      expect(await page.locator("tr[data-run]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-run")))).toEqual([ids.loadError]);
      await page.goto(`${base()}?limit=1&repo=other.git`);
      expect(await page.locator("a[rel=next]").count()).toBe(0);
      await page.goto(`${base()}?limit=1&repo=demo.git`);
      await page.locator("a[rel=next]").click();
      await page.waitForURL(/cursor=/);
      expect(await page.locator("tr[data-run]").count()).toBe(1);

      await page.goto(`${base()}run/${ids.lines}`);
      expect(await page.locator("#L-many-1-200 .tx").textContent()).toBe("line 200");
      expect(await page.locator("#head-many-1 .exit").textContent()).toBe("exit 0");
      expect(await page.locator("#job-gated > .reason").textContent()).toMatch(/deploys run on main only/);
      expect(await page.locator("#run-error").count()).toBe(0);
      await page.goto(`${base()}run/${ids.loadError}`);
      expect(await page.locator("#run-error").textContent()).toContain("END OF THE LOAD ERROR");
      await page.close();
    } finally {
      await noJs.close();
    }
  }, 90_000);
});

describe("a phone, and the dark scheme", () => {
  it("no page is wider than a 390 px screen; dark and light palettes follow the system", async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    for (const path of ["", "?repo=demo.git", `run/${ids.lines}`, `run/${ids.loadError}`, "run/demo.git%23999"]) {
      await page.goto(`${base()}${path}`);
      expect({ path, fits: await noOverflow(page) }).toEqual({ path, fits: true });
    }
    const colours = () =>
      page.evaluate<{ bg: string; fg: string }>("({ bg: getComputedStyle(document.body).backgroundColor, fg: getComputedStyle(document.body).color })");
    await page.emulateMedia({ colorScheme: "dark" });
    await page.goto(base());
    expect(await colours()).toEqual({ bg: "rgb(15, 17, 21)", fg: "rgb(230, 232, 235)" });
    await page.goto(`${base()}run/${ids.lines}`);
    expect((await colours()).bg).toBe("rgb(15, 17, 21)");
    await page.emulateMedia({ colorScheme: "light" });
    expect(await colours()).toEqual({ bg: "rgb(255, 255, 255)", fg: "rgb(29, 31, 35)" });
    await page.close();
  });
});
