import { readFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBrowser, type Browser } from "../support/browser.ts";
import { freePort, startNginx, type Nginx } from "../support/nginx.ts";
import { waitForRun } from "../support/runs-api.ts";
import { useServedRepo } from "../support/use-served-repo.ts";

// A failing job, a job skipped because of it, one with ANSI colours, and a 20 s job printing every second.
const PIPELINE = String.raw`import { job } from "quire/ci";
job("colour", ["quire/push"], async ({ sh, log }) => {
  await sh("printf '\\033[31mred alert\\033[0m and plain\\n'");
  await log("colours done");
});
job("broken", ["quire/push"], async ({ sh }) => { await sh("echo about to fail; echo really >&2; exit 3"); });
job("after-broken", ["broken"], async ({ sh }) => { await sh("echo never"); });
job("slow", ["quire/push"], async ({ sh }) => { await sh("for i in $(seq 1 20); do echo tick $i; sleep 1; done"); });
`;

let nginx: Nginx;
let browser: Browser;
let stripPort: number;
let passPort: number;

// The public URL is the pass-through site: hooks reach the server through nginx and its /ci/ prefix.
const served = useServedRepo(async () => {
  stripPort = await freePort();
  passPort = await freePort();
  return { config: `public_url: http://127.0.0.1:${passPort}/ci/\nconcurrency: 3\nrun_timeout_minutes: 2\nsse_heartbeat_seconds: 2\n` };
});

beforeAll(async () => {
  nginx = await startNginx(Number(new URL(served.server.url).port), [
    { port: stripPort, prefix: "strip" },
    { port: passPort, prefix: "pass" },
  ]);
  browser = await openBrowser();
});

afterAll(async () => {
  await browser?.close();
  await nginx?.stop();
});

const bases = () => ({
  direct: `${served.server.url}/`,
  "nginx /ci/, prefix stripped": `http://127.0.0.1:${stripPort}/ci/`,
  "nginx /ci/, prefix passed through": `http://127.0.0.1:${passPort}/ci/`,
});

const badge = (page: Page, selector: string) => page.locator(`${selector} .badge`).first();

describe.each(["direct", "nginx /ci/, prefix stripped", "nginx /ci/, prefix passed through"] as const)("the web view, %s", (mode) => {
  it("lists runs live, shows jobs, commands, exit codes, colours and live lines, and cancels from the page", async () => {
    const base = bases()[mode];
    const page = await browser.context.newPage();
    await page.goto(base);
    await expect.poll(() => page.locator("h1").textContent()).toBe("Runs");

    const branch = `web-${mode.replace(/[^a-z]+/g, "-")}`;
    const id = await served.push(branch, { ".quire/ci.ts": PIPELINE, "mode.txt": mode }, { subject: `web view check: ${mode}` });

    // The list shows the new run without a reload, then its status changing.
    const row = page.locator(`tr[data-run="${id}"]`);
    await row.waitFor({ timeout: 20_000 });
    await expect.poll(() => badge(page, `tr[data-run="${id}"]`).textContent(), { timeout: 20_000 }).toBe("running");
    await expect.poll(() => row.locator(".ref").textContent()).toBe(branch);
    expect(await row.locator(".subject").textContent()).toBe(`web view check: ${mode}`);

    await row.locator("a.num").click();
    await page.waitForURL(`${base}run/${id}`);
    await expect.poll(() => badge(page, "#run-header").textContent()).toBe("running");

    // Live lines arrive without a reload, with line numbers and links.
    await page.locator("#L-slow-1-3").waitFor({ timeout: 20_000 });
    await page.locator("#L-slow-1-5").waitFor({ timeout: 20_000 });
    expect(await page.locator("#L-slow-1-5 .tx").textContent()).toBe("tick 5");
    expect(await page.locator("#L-slow-1-5 a.ln").getAttribute("href")).toBe("#L-slow-1-5");

    // On a phone-sized screen the page follows new lines to the end, until the reader scrolls up.
    await page.setViewportSize({ width: 390, height: 500 });
    await page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)");
    await page.locator("#L-slow-1-6").waitFor({ timeout: 20_000 });
    await page.locator("#L-slow-1-7").waitFor({ timeout: 20_000 });
    const bottom = () => page.evaluate<boolean>("window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 40");
    expect(await bottom()).toBe(true);
    expect(await page.evaluate<number>("window.scrollY")).toBeGreaterThan(0);
    expect(await page.evaluate<boolean>("document.documentElement.scrollWidth <= window.innerWidth + 1")).toBe(true);
    await page.evaluate("window.scrollTo(0, 0)");
    await page.locator("#L-slow-1-9").waitFor({ timeout: 20_000 });
    expect(await page.evaluate<number>("window.scrollY")).toBe(0);
    await page.setViewportSize({ width: 1200, height: 900 });

    // ANSI colours rendered, stderr marked, jobs with their states.
    const red = page.locator("#job-colour .tx span", { hasText: "red alert" });
    expect(await red.getAttribute("style")).toMatch(/color:\s*rgb\(/);
    expect(await page.locator("#job-broken .l.stderr .tx").textContent()).toBe("really");
    await expect.poll(() => badge(page, '#jobs li[data-job="broken"]').textContent(), { timeout: 10_000 }).toBe("failed");
    await expect.poll(() => badge(page, '#jobs li[data-job="after-broken"]').textContent()).toBe("skipped");
    await expect.poll(() => page.locator('#jobs li[data-job="slow"] .badge').textContent()).toBe("running");
    expect(await page.locator("#head-broken-1 .cmd").textContent()).toBe("$ echo about to fail; echo really >&2; exit 3");

    // Cancel needs the admin token: typed once into the page.
    await page.locator("button[data-action=cancel]").click();
    await page.locator("#token-form").waitFor({ state: "visible" });
    await page.locator("#token-form input").fill(served.server.token);
    await page.locator("#token-form button[type=submit]").click();
    await page.locator("button[data-action=cancel]").click();
    await expect.poll(() => badge(page, "#run-header").textContent(), { timeout: 20_000 }).toBe("cancelled");
    expect(await page.locator("#run-error").textContent()).toMatch(/cancelled by the admin token/);

    // After the end, each sh shows its exit code; the failing one is marked.
    await expect.poll(() => page.locator("#head-broken-1 .exit").textContent(), { timeout: 10_000 }).toBe("exit 3");
    expect(await page.locator("#head-broken-1").getAttribute("class")).toContain("failed");
    expect(await page.locator("#job-colour .msg").textContent()).toBe("log: colours done");
    expect(await page.locator('#jobs li[data-job="after-broken"] .reason').textContent()).toMatch(/broken/);

    const run = await waitForRun(served.server, id);
    expect(run).toMatchObject({ status: "failed", outcome: "cancelled" });
    const state = await readFile(join(served.home, "runs", "demo.git", "failed", id, "state.yml"), "utf8");
    expect(state).toMatch(/cancelled by the admin token/);

    // The raw log downloads through the same relative link.
    const raw = await page.request.get(new URL(String(await page.locator("#head-broken-1 a.raw").getAttribute("href")), page.url()).href);
    expect(await raw.text()).toMatch(/ stdout F about to fail\n.* stderr F really\n/);
    await page.close();
  });
});

describe("without JavaScript", () => {
  it("the runs list and a finished run's logs are readable", async () => {
    const noJs = await openBrowser({ javaScript: false });
    try {
      const list = await served.server.api.listRuns({ status: "failed", limit: 1 });
      const id = list.runs[0]?.run_id as string;
      const page = await noJs.context.newPage();
      await page.goto(bases()["nginx /ci/, prefix stripped"]);
      await page.locator(`tr[data-run="${id}"] a.num`).click();
      expect(await page.locator("#L-broken-1-1 .tx").textContent()).toBe("about to fail");
      expect(await page.locator("#head-broken-1 .exit").textContent()).toBe("exit 3");
      expect(await page.locator("#jobs li").count()).toBe(4);
      await page.goto(`${bases()["nginx /ci/, prefix passed through"]}run/demo.git%23999`);
      expect(await page.locator("h1").textContent()).toBe("No such run");
      await page.close();
    } finally {
      await noJs.close();
    }
  });
});

describe("screenshots", () => {
  it("of the list and a run page, light and dark", async () => {
    const dir = process.env.QUIRE_SCREENSHOTS_DIR;
    const list = await served.server.api.listRuns({ limit: 1 });
    const page = await browser.context.newPage();
    const shots: Buffer[] = [];
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(bases().direct);
      shots.push(await page.screenshot({ fullPage: true }));
      await page.goto(`${bases().direct}run/${list.runs[0]?.run_id}`);
      shots.push(await page.screenshot({ fullPage: true }));
    }
    await page.close();
    // PNG signature on each; set QUIRE_SCREENSHOTS_DIR to refresh the ones in docs/.
    for (const shot of shots) expect(shot.subarray(1, 4).toString()).toBe("PNG");
    if (dir) {
      await mkdir(dir, { recursive: true });
      const names = ["runs-light.png", "run-light.png", "runs-dark.png", "run-dark.png"];
      const { writeFile } = await import("node:fs/promises");
      await Promise.all(names.map((name, i) => writeFile(join(dir, name), shots[i] as Buffer)));
    }
  });
});
