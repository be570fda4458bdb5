import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBrowser, type Browser } from "../support/browser.ts";
import { freePort, startNginx, type Nginx } from "../support/nginx.ts";
import { waitForRun } from "../support/runs-api.ts";
import { useServedRepo } from "../support/use-served-repo.ts";

// auth.read: token and auth.proxy_user_header in a real browser. nginx reaches quire from
// 127.0.0.5 (proxy_bind), the one trusted address, and names the user; the browser's own
// connections come from 127.0.0.1, whose forwarding headers count for nothing.
const TICKER = `import { job } from "quire/ci";
job("wait", ["quire/push"], async ({ sh }) => { await sh("for i in $(seq 1 300); do echo tick $i; sleep 0.3; done"); });
`;

let nginx: Nginx;
let browser: Browser;
let proxied: string;
let runId: string;


const served = useServedRepo({
  config: "trust_proxy: [127.0.0.5]\nauth: { read: token, proxy_user_header: X-Forwarded-User }\nsse_heartbeat_seconds: 2\nrun_timeout_minutes: 2\n",
});

beforeAll(async () => {
  const port = await freePort();
  nginx = await startNginx(Number(new URL(served.server.url).port), [
    { port, prefix: "strip", extra: "proxy_bind 127.0.0.5;\n      proxy_set_header X-Forwarded-User alice;" },
  ]);
  proxied = `http://127.0.0.1:${port}/ci/`;
  runId = await served.push("main", { ".quire/ci.ts": TICKER }, { subject: "a long ticker" });
  browser = await openBrowser();
});

afterAll(async () => {
  await browser?.close();
  await nginx?.stop();
});

const badge = (page: Page, selector: string) => page.locator(`${selector} .badge`).first();
const ticks = (page: Page) => page.locator("#job-wait .l").count();

describe("auth.read: token in the browser", () => {
  it("the page asks for the token, then the list, the run page and its live lines work", async () => {
    const page = await browser.context.newPage();
    try {
      const first = await page.goto(`${served.server.url}/`);
      expect(first?.status()).toBe(401);
      expect(await page.locator("h1").textContent()).toBe("Token needed");
      expect(await page.locator("tr[data-run]").count()).toBe(0);
      await page.locator("#token-form input").fill(served.server.token);
      await page.locator("#token-form button[type=submit]").click();
      await expect.poll(() => page.locator("h1").textContent()).toBe("Runs");
      await page.locator(`tr[data-run="${runId}"] a.num`).click();
      await page.waitForURL(`${served.server.url}/run/${runId}`);
      await page.locator("#L-wait-1-2").waitFor({ timeout: 30_000 });
      const seen = await ticks(page);
      await expect.poll(() => ticks(page), { timeout: 15_000 }).toBeGreaterThan(seen + 1);
      // The raw log reads with the page's cookie.
      const raw = await page.request.get(new URL(String(await page.locator("#head-wait-1 a.raw").getAttribute("href")), page.url()).href);
      expect(raw.status()).toBe(200);
      expect(await raw.text()).toMatch(/ stdout F tick 1\n/);
    } finally {
      await page.close();
      await browser.context.clearCookies();
    }
  });

  it("a user header sent from an untrusted address is not believed, for reading or cancelling", async () => {
    const page = await browser.context.newPage();
    try {
      await page.setExtraHTTPHeaders({ "X-Forwarded-User": "mallory" });
      const list = await page.goto(`${served.server.url}/`);
      expect(list?.status()).toBe(401);
      expect(await page.locator("h1").textContent()).toBe("Token needed");
      const cancel = await page.evaluate<number>(
        `fetch("runs/${runId}/cancel", { method: "POST", headers: { "X-Quire-Request": "page" } }).then((r) => r.status)`,
      );
      expect(cancel).toBe(401);
      expect((await waitForRun(served.server, runId, () => true)).status).toBe("active");
    } finally {
      await page.close();
    }
  });
});

describe("a user named by the trusted proxy", () => {
  it("reads without the token and cancels from the page; state.yml records who", async () => {
    const page = await browser.context.newPage();
    try {
      await page.goto(proxied);
      expect(await page.locator("h1").textContent()).toBe("Runs");
      await page.locator(`tr[data-run="${runId}"] a.num`).click();
      await page.waitForURL(`${proxied}run/${runId}`);
      await page.locator("#L-wait-1-1").waitFor({ timeout: 30_000 });
      await page.locator("button[data-action=cancel]").click();
      await expect.poll(() => badge(page, "#run-header").textContent(), { timeout: 20_000 }).toBe("cancelled");
      expect(await page.locator("#token-form").isHidden()).toBe(true);
      expect(await page.locator("#run-error").textContent()).toMatch(/cancelled by alice/);
      const run = await waitForRun(served.server, runId);
      expect(run).toMatchObject({ status: "failed", outcome: "cancelled" });
      const state = await readFile(join(served.home, "runs", "demo.git", "failed", runId, "state.yml"), "utf8");
      expect(state).toMatch(/cancelled by alice/);
      expect(state).not.toMatch(/mallory/);
    } finally {
      await page.close();
    }
  });
});
