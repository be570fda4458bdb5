import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Debian's chromium, headless, on a fresh profile that is removed after. */
export async function openBrowser(options: { javaScript?: boolean } = {}): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), "quire-chromium-"));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      javaScriptEnabled: options.javaScript ?? true,
      viewport: { width: 1200, height: 900 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
    return {
      context,
      async close() {
        await context.close();
        await rm(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
}
